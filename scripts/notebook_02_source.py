"""Source of notebooks/02_improving_the_model.ipynb: cells as (kind, text) pairs (see build_notebooks.py)."""

COLAB_BADGE = "<!-- colab-badge -->"

CELLS = [
    ("md", f"""# Improving the model: augmentation, hyper-parameter search, transfer learning

{COLAB_BADGE}

Notebook 01 ended with "what to try next". This notebook tries the three classic answers and
**measures** each one on the same data with the same seed: data augmentation (and what it does for
digits that are shifted or rotated), a hyper-parameter search with KerasTuner, and transfer
learning to a new task with very few labels. Then it looks inside the network, and ends with a
table in which every number was produced by this run. It takes about ten minutes on a 2-core CPU."""),

    ("md", """## 1. Setup

On Colab the first cell installs the package (elsewhere it does nothing); then the imports."""),
    ("code", """REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in str(get_ipython()) and REPO_URL:  # on Colab: install the package from the repository
    !pip install -q "mnist-cnn @ git+{REPO_URL}" keras-tuner
elif "google.colab" in str(get_ipython()):
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")"""),
    ("code", """%matplotlib inline
import os, time; os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from dataclasses import replace
import numpy as np, pandas as pd
from mnist_cnn import Config, load_mnist, one_hot, plot_history, preprocess, train"""),
    ("md", """The parts specific to this notebook, one module each: a harder test set and a results row
(`evaluate`), augmentation layers (`model`), the search (`tuning`), transfer learning (`transfer`)
and the look inside (`explain`)."""),
    ("code", """from mnist_cnn.evaluate import scorecard, shift_and_rotate
from mnist_cnn.model import augment_images
from mnist_cnn.tuning import config_from_hp, search, trials_table
from mnist_cnn.transfer import learning_curve
from mnist_cnn.explain import feature_maps, first_layer_filters, grad_cam"""),
    ("code", """from mnist_cnn.plots import plot_grad_cam, plot_image_rows, plot_learning_curve
from mnist_cnn.data import FASHION_CLASSES, load_fashion_mnist"""),

    ("md", """## 2. Data, and a harder test set

The usual MNIST arrays, scaled to [0, 1]. The last 6,000 training images are the **validation
set**: every decision in this notebook (which augmentation, which hyper-parameters) is judged on
it, never on the test set, so the final test numbers stay an honest estimate.

Real digits are not always centred and upright the way MNIST's are. `shift_and_rotate` makes a
second copy of the test set in which every digit is moved by up to 4 pixels and turned by up to
20°, with a fixed seed, so all models face exactly the same harder test."""),
    ("code", """# NBVAL_CHECK_OUTPUT
(x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
x_train, x_test = preprocess(x_train), preprocess(x_test)
x_fit, y_fit, x_val, y_val = x_train[:-6000], one_hot(y_train[:-6000]), x_train[-6000:], one_hot(y_train[-6000:])
x_hard = shift_and_rotate(x_test, max_shift=4, max_rotation=20, seed=0)
print(x_fit.shape, x_val.shape, x_test.shape, x_hard.shape)"""),
    ("code", """plot_image_rows([x_test[:10], x_hard[:10]], ["test", "shifted +\\nrotated"], "The same ten test digits, and their harder copies")"""),

    ("md", """## 3. The baseline: notebook 01's recipe

The exact model and recipe of notebook 01 (same seed), trained here with `train()`, the one-call
version of build → compile → fit. Every later number is compared with this row."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
baseline, history = train(x_fit, y_fit, Config(), validation_data=(x_val, y_val))
results = [scorecard("baseline (notebook 01)", baseline, time.perf_counter() - start, x_test, y_test, x_hard)]
pd.DataFrame(results)"""),

    ("md", """## 4. Data augmentation

A CNN is only as tolerant of position and angle as its training data taught it to be. **Data
augmentation** shows the network a randomly changed version of each image every time it sees it:
rotated by up to 15°, zoomed by up to 10 %, shifted by up to 3 pixels. The label stays the same,
so the model must learn that these changes do not matter. In Keras these are layers
(`RandomRotation`, `RandomZoom`, `RandomTranslation`) placed at the start of the model; they are
active during training only, and pass images through unchanged at prediction time.

Here are five digits and four random augmentations of each:"""),
    ("code", """augmented = replace(Config(), augment_rotation=15, augment_zoom=0.1, augment_shift=3, epochs=8)
rows = [x_test[:5]] + [augment_images(x_test[:5], augmented) for _ in range(4)]  # training-mode passes
plot_image_rows(rows, ["original", "random 1", "random 2", "random 3", "random 4"])"""),

    ("md", """Augmented images are harder, so the model needs more epochs to learn them: 8 instead of 5."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
aug_model, aug_history = train(x_fit, y_fit, augmented, validation_data=(x_val, y_val))
results.append(scorecard("augmented", aug_model, time.perf_counter() - start, x_test, y_test, x_hard))
pd.DataFrame(results)"""),

    ("md", """Compare the two rows. On the ordinary test set the difference is small; on the shifted and
rotated copy the plain model loses a large share of its accuracy while the augmented one loses
little (the "drop" column, in percentage points). Augmentation did not make the model smarter about digits it already saw well; it
made it **robust** to variations it would otherwise never have seen. The learning curves show
the other typical sign: training accuracy stays *below* validation accuracy, because the
training images are the harder, augmented ones."""),
    ("code", """plot_history(aug_history)"""),

    ("md", """## 5. Hyper-parameter search with KerasTuner

Filter counts, dense width, dropout and learning rate were picked by hand so far. **KerasTuner**
searches them: `config_from_hp` maps a trial's hyper-parameters to a `Config`, and a random search
trains one model per trial and keeps the best **validation** accuracy.

The budget has to fit a 2-core CPU, so each trial trains for 2 epochs on the first 20,000
training images: 6 trials take about a minute. (Batch normalisation's running statistics get a
shorter memory, `bn_momentum=0.9`, so that they catch up within such a short run.) That is a small
search, enough to show the method and to rank configurations roughly; a real search would run more
trials for longer (or use `keras_tuner.Hyperband`, which stops bad trials early)."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
tuner = search(x_fit[:20000], y_fit[:20000], x_val, y_val, base=replace(Config(), epochs=2, bn_momentum=0.9), max_trials=6)
trials_table(tuner)"""),

    ("md", """The best configuration is retrained the normal way (all training images, 5 epochs) and then,
once, evaluated on the test set. Why not simply report the best trial's score? Because it was
*selected* as the best of six noisy measurements on the validation set: it is optimistic. Only the
untouched test set gives an unbiased number."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
tuned = config_from_hp(tuner.get_best_hyperparameters()[0], Config())
start = time.perf_counter()
tuned_model, _ = train(x_fit, y_fit, tuned, validation_data=(x_val, y_val), verbose=0)
results.append(scorecard("tuned (best of 6 trials)", tuned_model, time.perf_counter() - start, x_test, y_test, x_hard))
pd.DataFrame(results)"""),

    ("md", """## 6. Transfer learning to a new task with few labels

The convolution layers of the baseline learned general image features: edges, strokes, curves.
Can they help with a *different* problem? **Fashion-MNIST** has the same format (28×28 greyscale,
10 classes) but shows clothes: T-shirts, trousers, bags, ankle boots...

Labels are often the expensive part of a real project, so we give each approach only a few
labelled examples per class (10, 50, 100, 500) and compare three ways to start:

- **frozen**: keep the MNIST convolution layers fixed and train only a new classifier on top;
- **fine-tune**: start from the MNIST layers but let training adjust them (with a smaller
  learning rate, so the useful features are not wiped out at once);
- **scratch**: the same architecture with random weights.

`load_fashion_mnist` uses Keras's download, or offline Debian's `dataset-fashion-mnist` package
(checked against published sha256), and says exactly what to install if neither is available."""),
    ("code", """(f_train, fy_train), (f_test, fy_test) = load_fashion_mnist()
f_train, f_test = preprocess(f_train), preprocess(f_test)
plot_image_rows([f_train[np.flatnonzero(fy_train == c)[:6]] for c in range(10)], FASHION_CLASSES)"""),
    ("md", """The experiment: for each number of labels per class, the same balanced random subset trains
all three models for 15 epochs, and each is scored on the full Fashion-MNIST test set (10,000
images). Small subsets make this quick: about a minute for all twelve models."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
curve = learning_curve(baseline, f_train, fy_train, f_test, fy_test, per_class=(10, 50, 100, 500), epochs=15)
curve.pivot(index="labels_per_class", columns="mode", values="test_accuracy").round(4)"""),
    ("code", """plot_learning_curve(curve)"""),

    ("md", """Read the curves from left to right. With 10 examples per class, reusing MNIST's features helps
a lot: the network does not have to learn what an edge is from a handful of images, and the frozen
base, which cannot overfit, is far ahead of training from scratch. By 50 to 100 examples per class
the three approaches are within about a point of each other: there is now enough data to learn
features made for clothes rather than digits. With 500, fine-tuning, which adapts the reused
features, comes out on top. (Digits and clothes are not very similar; transfer pays most between
related tasks, and when labels are scarcest.)"""),

    ("md", """## 7. Looking inside the network

**First-layer filters.** Each 5×5 filter of the first convolution is a small pattern detector;
drawn as images they look like oriented edges and blobs. **Feature maps** show where in one digit
each filter responds."""),
    ("code", """maps = feature_maps(baseline, x_test[0], "relu1")  # (24, 24, 24): one map per filter
plot_image_rows([first_layer_filters(baseline)[:12], np.moveaxis(maps, -1, 0)[:12]],
                ["filters", "their maps"], "First convolution: 12 of 24 filters and their responses to one digit", cmap="gray")"""),

    ("md", """**Grad-CAM** asks: which part of the image made the model choose its answer? It takes the
gradient of the predicted class's score with respect to the last convolution block's feature
maps, uses it to weight those maps, and paints the result over the image (red = strong
evidence). Often the heat sits on the strokes that tell the digits apart, and for a mistake it
can show which misleading stroke the model looked at; sometimes it spreads over the background.
These maps are rough: the last convolution block sees the digit at only 10×10 positions."""),
    ("code", """pred = baseline.predict(x_test, batch_size=1000, verbose=0).argmax(1)
pick = np.concatenate([np.flatnonzero(pred == y_test)[:4], np.flatnonzero(pred != y_test)[:4]])
plot_grad_cam(x_test[pick], grad_cam(baseline, x_test[pick], "relu2"), y_test[pick], pred[pick])"""),

    ("md", """## 8. Results

Every row below was produced by this run, on the same data with the same seed. Accuracy is on the
10,000 MNIST test images; "shifted/rotated" is the harder copy from step 2; training time is
wall-clock seconds on this machine."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
pd.DataFrame(results).style.format({"test accuracy": "{:.2%}", "shifted/rotated accuracy": "{:.2%}", "params": "{:,}"})"""),

    ("md", """## Summary

- **Augmentation** is the cheapest big win here: little change on the clean test set, much more
  robustness to moved and rotated digits, at the cost of more epochs.
- **Hyper-parameter search** is systematic guessing judged on validation data; with a budget this
  small it mostly confirms that the hand-picked settings were reasonable.
- **Transfer learning** helps most when labels are scarce and the tasks are related.

Next: `03_using_the_model.ipynb` saves and exports a model and reads your own handwriting.

**Exercises**: double the tuner's `max_trials` and epochs and see whether the ranking changes;
add `augment_rotation` to the transfer models; run Grad-CAM on the augmented model's mistakes."""),
]
