# %% [markdown]
# # Improving the model: augmentation, hyper-parameter search, transfer learning
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](../README.md#run-in-colab) _(link pending: the repository URL is not set yet)_
#
# Notebook 01 ended with "what to try next". This notebook tries the three classic answers and
# **measures** each one on the same data with the same seed: data augmentation (and what it does
# for digits that are shifted or rotated), a hyper-parameter search with KerasTuner, and transfer
# learning to a new task with very few labels. Then it looks inside the network with Grad-CAM,
# and ends with a table in which every number was produced by this run. It takes about ten
# minutes on a 2-core CPU.

# %% [markdown]
# ## 1. Setup
#
# On Colab the first cell installs the package and KerasTuner (elsewhere it does nothing); then
# the imports.

# %%
import subprocess
import sys

REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in sys.modules and REPO_URL:  # on Colab: install the package from the repository
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"mnist-cnn @ git+{REPO_URL}", "keras-tuner"],
                   check=True)
elif "google.colab" in sys.modules:
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")

# %%
# %matplotlib inline
import os
import tempfile
import time
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import keras_tuner
import numpy as np
import tensorflow as tf

from mnist_cnn import Config, load_mnist, one_hot, preprocess, train

# %% [markdown]
# `train(x, y, config)` is notebook 01's recipe in one call: seed, build the same Sequential CNN,
# compile it with Adam and the warm-up + cosine learning rate, and `fit` (a test checks that its
# model is the one written out in notebook 01). The other helpers: a harder test set and a results
# row (`evaluate`), the pieces of the transfer experiment (`transfer`), the search space as a
# `Config` (`tuning`), and plots.

# %%
from mnist_cnn.evaluate import format_results, scorecard, shift_and_rotate
from mnist_cnn.explain import feature_maps, first_layer_filters, upsample_heatmaps
from mnist_cnn.fashion import FASHION_CLASSES, load_fashion_mnist
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.plots import plot_grad_cam, plot_history, plot_image_rows, plot_learning_curve
from mnist_cnn.transfer import conv_base, learning_curve, transfer_summary
from mnist_cnn.tuning import config_from_hp, trials_table

# %% [markdown]
# ## 2. Data, and a harder test set
#
# The usual MNIST arrays, scaled to [0, 1]. The last 6,000 training images are the **validation
# set**: every decision in this notebook (which augmentation, which hyper-parameters) is judged on
# it, never on the test set, so the final test numbers stay an honest estimate.
#
# Real digits are not always centred and upright the way MNIST's are. `shift_and_rotate` makes a
# second copy of the test set in which every digit is moved by up to 4 pixels and turned by up to
# 20°, with a fixed seed, so all models face exactly the same harder test.

# %%
# NBVAL_CHECK_OUTPUT
(x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
x_train, x_test = preprocess(x_train), preprocess(x_test)  # float32 in [0, 1], shape (n, 28, 28, 1)
x_fit, y_fit = x_train[:-6000], one_hot(y_train[:-6000])
x_val, y_val = x_train[-6000:], one_hot(y_train[-6000:])
x_hard = shift_and_rotate(x_test, max_shift=4, max_rotation=20, seed=0)
print(x_fit.shape, x_val.shape, x_test.shape, x_hard.shape)

# %%
plot_image_rows([x_test[:10], x_hard[:10]], ["test", "shifted +\nrotated"],
                "The same ten test digits, and their harder copies")

# %% [markdown]
# ## 3. The baseline: notebook 01's recipe
#
# The exact model and recipe of notebook 01 (same seed). Every later number is compared with this
# row.

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
baseline, history = train(x_fit, y_fit, Config(), validation_data=(x_val, y_val))
results = [scorecard("baseline (notebook 01)", baseline, time.perf_counter() - start, x_test, y_test, x_hard)]
print(format_results(results))

# %% [markdown]
# ## 4. Data augmentation
#
# A CNN is only as tolerant of position and angle as its training data taught it to be. **Data
# augmentation** shows the network a randomly changed version of each image every time it sees
# it: rotated by up to 15°, zoomed by up to 10 %, shifted by up to 3 pixels. The label stays the
# same, so the model must learn that these changes do not matter. In Keras these are layers. They
# are active only in training (`training=True`, which `fit` sets) and pass images through
# unchanged at prediction time, so they can sit at the start of the model itself.

# %%
augmentation = keras.Sequential([
    keras.layers.RandomRotation(15 / 360, fill_mode="constant"),  # a fraction of a full turn: ±15°
    keras.layers.RandomZoom(0.1, fill_mode="constant"),           # ±10 %
    keras.layers.RandomTranslation(3 / 28, 3 / 28, fill_mode="constant"),  # ±3 pixels each way
], name="augmentation")

# %% [markdown]
# Here are five digits and four random augmentations of each, made by calling the layers in
# training mode:

# %%
rows = [x_test[:5]] + [augmentation(x_test[:5], training=True).numpy() for _ in range(4)]
plot_image_rows(rows, ["original", "random 1", "random 2", "random 3", "random 4"])

# %% [markdown]
# The augmented model is notebook 01's network with the augmentation in front: `build_model`
# gives that network (the one `train` uses), we put its layers behind the augmentation, compile it
# the same way as notebook 01, and `fit` it. Augmented images are harder, so it gets more epochs: 8 instead of 5.

# %%
# NBVAL_IGNORE_OUTPUT
keras.utils.set_random_seed(42)
augmented_config = replace(Config(), epochs=8)
aug_model = keras.Sequential([keras.Input((28, 28, 1)), augmentation, *build_model(augmented_config).layers],
                             name="augmented")
compile_model(aug_model, augmented_config, num_train=len(x_fit))  # Adam + warm-up/cosine, as notebook 01
start = time.perf_counter()
aug_history = aug_model.fit(x_fit, y_fit, batch_size=128, epochs=8, validation_data=(x_val, y_val), verbose=2)
results.append(scorecard("augmented (8 epochs)", aug_model, time.perf_counter() - start, x_test, y_test, x_hard))
print(format_results(results))

# %% [markdown]
# Compare the two rows. On the ordinary test set the difference is small; on the shifted and
# rotated copy the plain model loses a large share of its accuracy while the augmented one loses
# little (the "drop" column, in percentage points). Augmentation did not make the model better at
# the digits it already read well; it made it **robust** to variations it would otherwise never
# have seen. The learning curves show the other typical sign: training accuracy stays *below*
# validation accuracy, because the training images are the harder, augmented ones.

# %%
plot_history(aug_history)

# %% [markdown]
# ## 5. Hyper-parameter search with KerasTuner
#
# Filter counts, dense width, dropout and learning rate were picked by hand so far. **KerasTuner**
# searches them. You write a function `build(hp)` that builds and compiles a model, asking the
# `hp` object for each value to search (`hp.Choice` picks from a list, `hp.Float` from a range);
# the tuner calls it once per trial with new values, trains the model, and keeps the best
# **validation** accuracy.
#
# The budget has to fit a 2-core CPU, so each trial trains for 2 epochs on the first 20,000
# training images with a constant learning rate, and batch normalisation's running statistics get
# a shorter memory (`momentum=0.9`) so that they catch up within such a short run. That is a small
# search, enough to show the method and to rank configurations roughly; a real one would run more
# trials for longer (or use `keras_tuner.Hyperband`, which stops bad trials early).

# %%
def build(hp):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(hp.Choice("filters_1", [16, 24, 32]), 5, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(hp.Choice("filters_2", [32, 48, 64]), 3, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(hp.Choice("dense_units", [64, 128, 256]), activation="relu"),
        keras.layers.Dropout(hp.Float("dropout", 0.0, 0.5, step=0.1)),
        keras.layers.Dense(10, activation="softmax"),
    ])
    learning_rate = hp.Float("learning_rate", 1e-3, 1e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


# %% [markdown]
# The search itself: a random search of 6 trials, scored on the validation set. `overwrite=True`
# and a fresh folder make sure a re-run never silently reuses old trials.

# %%
# NBVAL_IGNORE_OUTPUT
tuner = keras_tuner.RandomSearch(build, objective="val_accuracy", max_trials=6, seed=0, overwrite=True,
                                 directory=tempfile.mkdtemp(prefix="tuner-"), project_name="mnist_cnn")
tuner.search(x_fit[:20000], y_fit[:20000], batch_size=128, epochs=2, validation_data=(x_val, y_val), verbose=0)
trials_table(tuner)

# %% [markdown]
# The best configuration is then retrained with notebook 01's recipe (all training images,
# 5 epochs, warm-up + cosine learning rate): `config_from_hp` turns the winning values into a
# `Config`. Then, once, it is evaluated on the test set. Why not simply report the best trial's
# score? Because it was *selected* as the best of six noisy measurements on the validation set:
# it is optimistic. Only the untouched test set gives an unbiased number.

# %%
# NBVAL_IGNORE_OUTPUT
tuned = config_from_hp(tuner.get_best_hyperparameters()[0], Config())
start = time.perf_counter()
tuned_model, _ = train(x_fit, y_fit, tuned, validation_data=(x_val, y_val), verbose=0)
results.append(scorecard("tuned (best of 6 trials)", tuned_model, time.perf_counter() - start, x_test, y_test, x_hard))
print(format_results(results))

# %% [markdown]
# ## 6. Transfer learning to a new task with few labels
#
# The convolution layers of the baseline learned general image features: edges, strokes, curves.
# Can they help with a *different* problem? **Fashion-MNIST** has the same format (28×28
# greyscale, 10 classes) but shows clothes: T-shirts, trousers, bags, ankle boots...
#
# `load_fashion_mnist` uses Keras's download, or offline Debian's `dataset-fashion-mnist`
# package (checked against published sha256), and says exactly what to install if neither is
# available.

# %%
(f_train, fy_train), (f_test, fy_test) = load_fashion_mnist()
f_train, f_test = preprocess(f_train), preprocess(f_test)
plot_image_rows([f_train[np.flatnonzero(fy_train == c)[:6]] for c in range(10)], FASHION_CLASSES)

# %% [markdown]
# The reusable part of the baseline is its **convolutional base**: everything from the input up to
# the `Flatten` layer. `keras.Model(inputs, layer.output)` cuts it out of the trained model (on a
# copy, so the baseline is not changed). Setting `trainable = False` **freezes** it: training will
# not change its weights (and its batch normalisation keeps using the running statistics it
# learned on MNIST). On top goes a new classifier for the ten kinds of clothes. The summary shows
# the effect: most parameters are now *non-trainable*.

# %%
base = conv_base(baseline)   # = keras.Model(copy.inputs, copy.get_layer("flatten").output), on a copy
base.trainable = False       # frozen: fit() will not change these weights
frozen = keras.Sequential([
    keras.Input((28, 28, 1)),
    base,
    keras.layers.Dense(128, activation="relu"),  # the new head, trained from scratch
    keras.layers.Dropout(0.3),
    keras.layers.Dense(10, activation="softmax"),
], name="frozen_base")
frozen.summary()

# %% [markdown]
# Labels are often the expensive part of a real project, so we give each approach only a few
# labelled examples per class (10, 50, 100, 500) and compare three ways to start:
#
# - **frozen**: the model above: MNIST's convolution layers fixed, only the new head learns;
# - **fine-tune**: start from MNIST's layers but let training adjust them too (`trainable = True`,
#   with a smaller learning rate, so the useful features are not wiped out at once);
# - **scratch**: the same architecture with random weights.
#
# `learning_curve` builds these three (the same way as the cell above), trains each for 15 epochs
# on the same balanced random subset, and scores it on all 10,000 Fashion-MNIST test images. A
# single run with a few dozen images is noisy, so each size is repeated with **3 seeds** (a
# different subset and different initial weights each time).

# %%
# NBVAL_IGNORE_OUTPUT
curve = learning_curve(baseline, f_train, fy_train, f_test, fy_test, per_class=(10, 50, 100, 500),
                       epochs=15, seeds=(0, 1, 2))
print(transfer_summary(curve))

# %%
plot_learning_curve(curve)

# %% [markdown]
# Read the table and the curves from left to right (each cell is the mean over the 3 seeds, with
# the lowest and highest run in brackets; the shaded bands in the plot span the same range). With
# very few labels, reusing MNIST's features usually helps: the network does not have to learn
# what an edge is from a handful of images. The frozen base still *can* overfit, because its new
# head has thousands of trainable weights, but it has far fewer to fit than a network trained
# from scratch. As labels grow, the three approaches draw together: there is enough data to learn
# features made for clothes rather than digits. Where two curves' bands overlap, the difference
# between them is within the noise of this experiment; do not read a winner into it. Digits and
# clothes are not very similar; transfer pays most between related tasks, and when labels are
# scarcest.

# %% [markdown]
# ## 7. Looking inside the network
#
# **First-layer filters.** Each 5×5 filter of the first convolution is a small pattern detector;
# drawn as images they look like oriented edges and blobs. **Feature maps** show where in one
# digit each filter responds.

# %%
maps = feature_maps(baseline, x_test[0], "relu1")  # (24, 24, 24): one map per filter
plot_image_rows([first_layer_filters(baseline)[:12], np.moveaxis(maps, -1, 0)[:12]], ["filters", "their maps"],
                "First convolution: 12 of 24 filters and their responses to one digit", cmap="gray")

# %% [markdown]
# **Grad-CAM** asks: which part of the image made the model choose its answer? It needs the
# gradient of the chosen digit's score with respect to the feature maps of the last convolution
# block, which `tf.GradientTape` records:
#
# 1. a model that returns both those feature maps and the input of the output layer;
# 2. the class score: the **logit** (the output layer's weighted sum *before* the softmax). The
#    softmax probability would be a poor choice: for a confident prediction it is saturated near
#    1, its gradient almost vanishes, and the heat map turns into noise (often lighting up the
#    background);
# 3. the gradient of that score with respect to each feature map, averaged over positions, says
#    how much the map matters; the weighted sum of the maps, keeping the positive part (ReLU), is
#    the heat map, then scaled up from 10×10 to 28×28.
#
# We explain four correct predictions and four mistakes.

# %%
pred = baseline.predict(x_test, batch_size=1000, verbose=0).argmax(1)
pick = np.concatenate([np.flatnonzero(pred == y_test)[:4], np.flatnonzero(pred != y_test)[:4]])
output_layer = baseline.get_layer("output")  # Dense(10, softmax)
grad_model = keras.Model(baseline.inputs, [baseline.get_layer("relu2").output, output_layer.input])
with tf.GradientTape() as tape:
    conv_maps, features = grad_model([x_test[pick]], training=False)
    logits = features @ output_layer.kernel + output_layer.bias      # the scores before softmax
    score = tf.gather(logits, pred[pick], axis=1, batch_dims=1)      # each image's predicted digit
grads = tape.gradient(score, conv_maps)                              # (8, 10, 10, 32)
cam = tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, axis=(1, 2), keepdims=True) * conv_maps, axis=-1))
plot_grad_cam(x_test[pick], upsample_heatmaps(cam), y_test[pick], pred[pick])

# %% [markdown]
# Red is strong evidence. For correct predictions the heat usually sits on the strokes that tell
# this digit apart from its look-alikes; for a mistake it shows which part of the ink the model
# took as evidence for the wrong digit. These maps are coarse: the last convolution block sees
# the digit at only 10×10 positions. (`mnist_cnn.explain.grad_cam` packages the same steps.)

# %% [markdown]
# ## 8. Results
#
# Every row below was produced by this run, on the same data with the same seed. Accuracy is on
# the 10,000 MNIST test images; "shifted/rotated" is the harder copy from step 2; training time is
# wall-clock seconds on this machine.

# %%
# NBVAL_IGNORE_OUTPUT
print(format_results(results))

# %% [markdown]
# ## Summary
#
# - **Augmentation** is the cheapest big win here: little change on the clean test set, much more
#   robustness to moved and rotated digits, at the cost of more epochs.
# - **Hyper-parameter search** is systematic guessing judged on validation data; with a budget this
#   small it mostly shows the method, not a definitive best model.
# - **Transfer learning** helps most when labels are scarce and the tasks are related; check the
#   spread over seeds before calling a winner.
#
# Next: `03_using_the_model.ipynb` saves and exports a model and reads your own handwriting.
#
# **Exercises**: double the tuner's `max_trials` and epochs and see whether the ranking changes;
# put the `augmentation` layers in front of the transfer models; run Grad-CAM on the augmented
# model's mistakes (its feature maps come from `aug_model.get_layer("relu2")`).
