# %% [markdown]
# # Clinic: the classic mistakes, made on purpose
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](../README.md#run-in-colab) _(link pending: the repository URL is not set yet)_
#
# Every MNIST beginner makes the same handful of mistakes. This clinic makes each one on purpose,
# runs it for real, and shows the symptom you would see (the exact error, or a curve that looks
# wrong) and the fix. Some mistakes stop with an error; the cells catch it and print it, so the
# notebook runs top to bottom. The worse ones raise no error at all. It trains only small models
# (6,000 images, 2 epochs), so it takes a minute or two; read notebook 01 first.

# %% [markdown]
# ## 1. Setup

# %%
import subprocess
import sys

REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in sys.modules and REPO_URL:  # on Colab: install the package from the repository
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"mnist-cnn @ git+{REPO_URL}"], check=True)
elif "google.colab" in sys.modules:
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")

# %%
# %matplotlib inline
import os
import re
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from mnist_cnn import load_mnist, preprocess

keras.utils.set_random_seed(0)                  # Python, NumPy and TensorFlow random generators
tf.config.experimental.enable_op_determinism()  # with the seeds: the same numbers on every run

# %% [markdown]
# ## 2. Small data and notebook 01's model
#
# 6,000 training images and 6,000 validation images, scaled to [0, 1] with a channel axis (what
# `preprocess` does: `x.astype("float32")[..., None] / 255`). The labels stay integers 0-9 here;
# section 3 is about what that means for the loss. `make_model` writes out notebook 01's network,
# with the last layer's activation as a choice (section 4 needs it).

# %%
(x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
x_small, y_small = preprocess(x_train[:6000]), y_train[:6000]
x_val, y_val = preprocess(x_train[-6000:]), y_train[-6000:]
print("x_small", x_small.shape, x_small.dtype, "y_small", y_small.shape, y_small.dtype, y_small[:5])


def make_model(output_activation="softmax"):
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(24, 5, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),  # 0.9: running statistics that settle in a short run
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(10, activation=output_activation),
    ])


# %% [markdown]
# ## 3. Labels and loss that do not match
#
# Keras has two cross-entropy losses for the same job. `categorical_crossentropy` expects
# **one-hot** labels, shape (n, 10), as notebook 01 used; `sparse_categorical_crossentropy`
# expects **integer** labels, shape (n,). Mixing them up stops `fit` at once. Here are the two
# errors, word for word, so that you recognise them:

# %%
y_small_onehot = keras.utils.to_categorical(y_small, 10)
for loss, labels, what in [("sparse_categorical_crossentropy", y_small_onehot, "one-hot labels"),
                           ("categorical_crossentropy", y_small, "integer labels")]:
    model = make_model()
    model.compile(optimizer="adam", loss=loss)
    try:
        model.fit(x_small[:256], labels[:256], epochs=1, verbose=0)
        print(f"{loss} with {what}: no error")
    except ValueError as error:
        print(f"{loss} with {what}:\n    ValueError: {error}\n")

# %% [markdown]
# Read the shapes in the messages: `target` is your labels, `output` the model's (32, 10)
# probabilities for a batch of 32 images (`fit`'s default batch size). "target.shape=(32, 10)" with the sparse loss means one-hot
# labels where integers were expected; "target.shape=(32,)" with the categorical loss means
# integers where one-hot rows were expected. **Fix:** keep the loss and change the labels
# (`keras.utils.to_categorical(y, 10)` makes one-hot rows, `y.argmax(1)` undoes it), or keep the
# labels and use the other loss. Both pairs train the same model.

# %% [markdown]
# ## 4. Softmax and `from_logits`
#
# The last layer can output probabilities (`activation="softmax"`) or raw scores, **logits**
# (`activation=None`). The loss has to be told which with `from_logits`; its default, `False`,
# means "probabilities". Three runs, the same seed and data, differ only in that pairing:

# %%
runs = {}
for name, activation, from_logits in [("softmax output, from_logits=False (right)", "softmax", False),
                                      ("softmax output, from_logits=True", "softmax", True),
                                      ("logits output, from_logits=False", None, False)]:
    keras.utils.set_random_seed(0)
    model = make_model(activation)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
                  metrics=["accuracy"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x_small, y_small, batch_size=128, epochs=2, validation_data=(x_val, y_val),
                            verbose=0)
    runs[name] = model, history
    print(f"{name}: validation accuracy per epoch",
          [f"{a:.1%}" for a in history.history["val_accuracy"]])
    for message in sorted({str(w.message) for w in caught}):
        print("    warning:", message)

for name, (_, history) in runs.items():
    plt.plot(range(1, 3), history.history["val_accuracy"], "o-", label=name)
plt.xlabel("epoch")
plt.ylabel("validation accuracy")
plt.xticks([1, 2])
plt.legend()
plt.show()

# %% [markdown]
# - **Softmax output with `from_logits=True`** trains exactly like the right pairing: Keras 3
#   notices that the output came from a softmax, warns (the line above), and computes the loss
#   from the values before the softmax. Do not rely on it: PyTorch, JAX code and older Keras apply
#   the softmax a second time, and training then learns slowly and badly. Read the warning as an
#   error.
# - **Logits output with the default `from_logits=False`** is the silent one: no error, no
#   warning, only a model that learns slowly and badly (21.1 % then 52.5 % validation accuracy,
#   against 93.0 % and 96.7 %). The loss treats raw scores, many of them negative, as
#   probabilities; the gradient it gives the network points only roughly the right way.
#
# **Fix:** either `activation="softmax"` and the default loss, as notebook 01 does, or
# `activation=None` and `from_logits=True` (slightly more accurate arithmetic, but then
# `model.predict` returns logits: apply `keras.ops.softmax` to read probabilities).

# %% [markdown]
# ## 5. Pixels not scaled the same way
#
# The model learned from pixels in [0, 1]. A picture loaded from a file has values 0..255; fed
# as it is, every input is 255 times too bright. Nothing raises an error:

# %%
model = runs["softmax output, from_logits=False (right)"][0]
for name, images in [("scaled to [0, 1], as in training", x_val), ("raw 0..255", x_val * 255)]:
    accuracy = (model.predict(images, batch_size=1000, verbose=0).argmax(1) == y_val).mean()
    print(f"validation images {name}: accuracy {accuracy:.1%}")

# %% [markdown]
# Why not worse? Convolutions without a bias, ReLU and max-pooling scale along with their input, so
# the *pattern* of features partly survives a 255 times brighter image; what breaks is everything
# tuned to the old scale (BatchNormalization's stored statistics, the dense layers' biases), and
# about a third of the digits are lost. **Fix:** put the same preprocessing in one
# function (`preprocess` here) and use it for training and prediction alike, or make the scaling
# part of the model (`keras.layers.Rescaling(1 / 255)` as its first layer) so nobody can forget it.

# %% [markdown]
# ## 6. Missing axes: the channel and the batch
#
# The model expects a batch of images of shape (28, 28, 1): `(n, 28, 28, 1)`, an array of **rank**
# 4 (its number of axes, NumPy's `ndim`). Two axes are easy to drop. Without the **channel** axis,
# `(n, 28, 28)`; without the **batch** axis, one image `(28, 28, 1)`. First on the trained model,
# which `predict` has already run on batches of rank 4, then on a model called for the first time:

# %%
for name, images in [("no channel axis, x_val[:5, ..., 0]", x_val[:5, ..., 0]),
                     ("no batch axis, x_val[0]", x_val[0])]:
    try:
        print(f"{name}: shape {images.shape} -> predicted", model.predict(images, verbose=0).argmax(1))
    except ValueError as error:
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in str(error).splitlines() if line.strip()]
        print(f"{name}: shape {images.shape}\n    ValueError: {lines[0]} {lines[1]}")
fresh = make_model()  # never called before
print("a fresh model, no channel axis: predict returns shape",
      fresh.predict(x_val[:5, ..., 0], verbose=0).shape)

# %% [markdown]
# On the trained model both stop with the same message, and it names neither axis: `predict`,
# already run on batches of rank 4, cannot take an input of rank 3 ("unknown rank"). The fresh
# model accepts the missing channel axis (Keras adds it on a model's first call) and returns
# answers: so the same mistake passes or fails depending on what ran before. Without the batch
# axis, even a model that accepted it would read the one image's 28 rows as 28 images of 28x1
# pixels.
# **Fix:** check `x.shape` against `model.input_shape` before `predict`; add the channel axis with
# `x[..., None]` and the batch axis with `x[None]` (or take `x_val[:1]`, a batch of one).

# %% [markdown]
# ## 7. Choosing settings on the test set
#
# Notebook 01 keeps the test set for one final report and decides everything on validation data.
# Why so strict? Try ten settings (here: ten learning rates for a small dense network), pick the
# one with the best score on a test set, and report that score: it is flattering, because among
# ten scores the best one is partly luck. A fresh set of images shows how much.

# %%
x_pick, y_pick = preprocess(x_test[:500]), y_test[:500]    # the set the winner is chosen on
x_fresh, y_fresh = preprocess(x_test[500:]), y_test[500:]  # 9,500 images nobody chose anything on
scores = []
for seed, learning_rate in enumerate(np.geomspace(3e-4, 3e-2, 10)):
    keras.utils.set_random_seed(seed)
    dense = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    dense.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    dense.fit(x_small, y_small, batch_size=128, epochs=2, verbose=0)
    scores.append((learning_rate, dense.evaluate(x_pick, y_pick, verbose=0)[1],
                   dense.evaluate(x_fresh, y_fresh, verbose=0)[1]))
print("learning rate  on the 500 it was picked on  on 9,500 fresh images")
for learning_rate, picked_on, fresh in scores:
    print(f"{learning_rate:13.4f}  {picked_on:26.1%}  {fresh:24.1%}")
best = max(scores, key=lambda row: row[1])
mean_gap = np.mean([picked_on - fresh for _, picked_on, fresh in scores])
print(f"\nthe winner (learning rate {best[0]:.4f}) scored {best[1]:.1%} on the images it was chosen on, "
      f"{best[2]:.1%} on fresh ones: {best[1] - best[2]:+.1%}")
print(f"all ten, on average: {mean_gap:+.1%} (the 500 are a harder or easier sample than the 9,500); "
      f"the winner's optimism beyond that: {best[1] - best[2] - mean_gap:+.1%}")

# %% [markdown]
# The winner scored 92.4 % on the 500 images it was chosen on and 91.8 % on fresh ones. That
# understates the optimism: these 500 happen to be a harder sample (on average the ten settings
# score 0.8 points *lower* on them than on the 9,500), and the winner alone scores 0.6 points
# *higher* on them, 1.4 points above what the sample explains. That is the optimism of choosing
# and reporting on the same data. Its size is that of a score's noise on 500 images (one standard
# error, √(p(1−p)/n), is 1.2 points for p = 92 %); it grows with the number of settings tried and
# shrinks as the set grows. A KerasTuner search
# (notebook 02) tries many settings, so it chooses on validation data, and the test set is used
# once, at the end.

# %% [markdown]
# ## 8. Validation accuracy above training accuracy
#
# In the right run of section 4, `fit` also recorded the training accuracy of each epoch. The
# cell below prints it next to the validation accuracy: after the first epoch, validation is far
# above training. A bug? No:

# %%
history = runs["softmax output, from_logits=False (right)"][1]
for epoch, (train, val) in enumerate(zip(history.history["accuracy"], history.history["val_accuracy"]), start=1):
    print(f"epoch {epoch}: training accuracy {train:.1%} (during the epoch), validation accuracy {val:.1%}")
print("the training images measured after epoch 2 as validation is (Dropout off, one pass):",
      f"{model.evaluate(x_small, y_small, verbose=0)[1]:.1%}")

# %% [markdown]
# The training figure `fit` prints is an average over the epoch's batches, measured *while* the
# model learned (the early batches by a worse model) and with Dropout switched on. The validation
# figure is measured once, at the end of the epoch, with Dropout off. Measured that way after
# epoch 2, the training images score 97.0 %, not the 94.3 % `fit` printed, and a little above the
# validation images' 96.7 %, as images the model has learned from should. Validation above
# training is normal early on and with Dropout or augmentation; the warning sign is the reverse:
# training far above validation, the gap widening (overfitting).
#
# ## Summary
#
# | symptom | cause | fix |
# |---|---|---|
# | "Argument `output` must have rank (ndim) `target.ndim - 1`" | one-hot labels, sparse loss | integer labels, or `categorical_crossentropy` |
# | "Arguments `target` and `output` must have the same rank (ndim)" | integer labels, categorical loss | one-hot labels, or `sparse_categorical_crossentropy` |
# | warning "received `from_logits=True`, but the `output` argument was produced by a Softmax" | softmax output told it is logits | drop `from_logits=True` |
# | no error, accuracy far below what it should be | logits output, loss expects probabilities | `from_logits=True` |
# | no error, accuracy well below validation's | pixels 0..255 where training used [0, 1] | one `preprocess` for both, or `Rescaling(1 / 255)` in the model |
# | "Cannot take the length of shape with unknown rank" (or, on a first call, no error) | an input without its channel or batch axis | `x[..., None]`, `x[None]` |
# | a score that does not hold up on new data | settings chosen on the test set | choose on validation, test once |
# | validation above training accuracy | Dropout, and an average over a learning epoch | nothing: normal |
