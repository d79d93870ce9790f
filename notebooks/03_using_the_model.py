# %% [markdown]
# # Using your model: load, export, read your own handwriting, and know when it is unsure
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](../README.md#run-in-colab) _(link pending: the repository URL is not set yet)_
#
# Notebook 01 trained a CNN and saved it as `artifacts/mnist_cnn.keras`. A model is only useful
# once it leaves the notebook it was trained in. This notebook takes **your** model and:
#
# - loads it back safely and checks it still scores what it scored in notebook 01;
# - **exports** it for serving (SavedModel, LiteRT float32 and int8) and measures each format's
#   size, accuracy and speed;
# - turns a picture of a digit written on paper into the input the model expects, first with a
#   short preparation you can read line by line, then with the package's robust one;
# - compares it on photos with a second model, the photo ensemble shipped with the package;
# - shows how sure the model is and how often it is right at that confidence, and what it says
#   about things that are not digits;
# - reports bad input clearly, reads files from the command line, and opens a live drawing app.
#
# Reading harder photos (ruled and squared paper, shadows, askew pages, whole numbers) is the
# subject of the appendix, `04_reading_real_photos.ipynb`.

# %% [markdown]
# ## 1. Setup
#
# On Colab the first cell installs the package; elsewhere it does nothing. Then the imports.

# %%
import subprocess
import sys

REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in sys.modules and REPO_URL:  # on Colab: install the package from the repository
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"mnist-cnn[litert] @ git+{REPO_URL}"], check=True)
elif "google.colab" in sys.modules:
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")

# %%
# %matplotlib inline
import io
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter  # LiteRT's runtime (`pip install ai-edge-litert`)
from PIL import Image, ImageDraw, ImageFont

from mnist_cnn import Config, load_mnist, preprocess, train

# %% [markdown]
# A few more helpers, grouped by what they are for: measuring the exports (`export`), silencing
# TensorFlow's progress lines (`quiet`), and the photo reader, which has its own subpackage
# `mnist_cnn.reading`: its "not sure" threshold, the shipped model (`shipped`), the robust
# preparation and reading of images (`digit`, `reader`), drawn and generated test pictures
# (`strokes`, `synthetic`) and its figures (`figures`).

# %%
from mnist_cnn.export import format_export_table, measure_exports
from mnist_cnn.quiet import silenced
from mnist_cnn.reading import MIN_CONFIDENCE
from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.figures import plot_preprocessing_steps, plot_probabilities
from mnist_cnn.reading.reader import read_digits
from mnist_cnn.reading.shipped import load_shipped_model
from mnist_cnn.reading.strokes import draw_digit
from mnist_cnn.reading.synthetic import digit_photos

# %% [markdown]
# ## 2. Load your model
#
# `keras.models.load_model` reads a `.keras` file back: the architecture (the layers, by the names
# notebook 01 gave them), the trained weights and the optimiser's state. `safe_mode=True` (the
# default, written out so you remember it) refuses to deserialise Python code stored in the file,
# such as a `Lambda` layer's function: loading such a file fails instead of running it. It does not
# make every file safe (the loader and any layer classes your own code registers still run), so
# load models only from sources you trust.
#
# If you opened this notebook on its own (on Colab, say) the file is not there yet: the cell then
# trains notebook 01's recipe (the package's `train` with the default `Config`, the same model and
# settings; a test checks they are the same) and saves it, and it says which of the two it did.

# %% tags=["nbval-ignore-output"]
(x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
x_train, x_test = preprocess(x_train), preprocess(x_test)  # float32 in [0, 1], shape (n, 28, 28, 1)
folder = Path("artifacts")  # everything this notebook writes goes here, next to the notebook
model_path = folder / "mnist_cnn.keras"
if model_path.exists():
    model = keras.models.load_model(model_path, safe_mode=True)
    print(f"loaded your model from notebook 01: {model_path}")
else:
    print(f"{model_path} not found: training notebook 01's recipe now (1-2 minutes on a 2-core CPU)")
    model, _ = train(x_train, y_train, Config(), verbose=0)
    folder.mkdir(exist_ok=True)
    model.save(model_path)
print("layers:", [layer.name for layer in model.layers])

# %% [markdown]
# The same test images as notebook 01 must give the same accuracy; if not, something changed the
# model on its way through the file.

# %% tags=["nbval-ignore-output"]
probabilities = model.predict(x_test, batch_size=1000, verbose=0)
print(f"test accuracy {(probabilities.argmax(1) == y_test).mean():.2%}")

# %% [markdown]
# ## 3. Save a copy, load it back
#
# `model.save` writes the `.keras` file, `load_model` reads it; the check is that the copy gives
# exactly the same probabilities. (The package's `mnist_cnn.saving.save_model` does the same but
# writes to a temporary file first and renames it, so a crash mid-save never destroys an older
# file of the same name; its command line uses it.)

# %% tags=["nbval-check-output"]
model.save(folder / "copy.keras")
reloaded = keras.models.load_model(folder / "copy.keras", safe_mode=True)
same = np.array_equal(model.predict(x_test[:500], verbose=0), reloaded.predict(x_test[:500], verbose=0))
print("identical predictions:", same)

# %% [markdown]
# ## 4. Export for serving
#
# A `.keras` file needs Keras and Python to run. For serving, TensorFlow offers two exports that
# need neither.
#
# **SavedModel**: a folder with the computation graph and the weights, served by TensorFlow
# Serving or loaded by any TensorFlow program. `model.export(path)` writes one with a `serve`
# function. Here we use the lower-level `keras.export.ExportArchive`, to say exactly what `serve`
# does: call the model with `training=False`, so that `Dropout` (and any augmentation layer) is
# off, as in `predict`. Calling a model yourself, `model(x)`, leaves Dropout off as well, but
# runs augmentation layers in *training* mode unless you pass `training=False` (notebook 02 shows
# it), so saying it costs nothing and guards against surprises.

# %% tags=["nbval-check-output"]
archive = keras.export.ExportArchive()
archive.track(model)                                   # the variables (weights) to save
archive.add_endpoint(name="serve", fn=lambda x: model(x, training=False),
                     input_signature=[tf.TensorSpec(shape=(None, 28, 28, 1), dtype=tf.float32)])
with silenced():                                       # extra code: hides TensorFlow's progress lines
    archive.write_out(str(folder / "saved_model"))
served = tf.saved_model.load(str(folder / "saved_model"))  # no Keras model code needed from here on
print("same digits as Keras:", np.array_equal(served.serve(x_test[:500]).numpy().argmax(1),
                                               probabilities[:500].argmax(1)))

# %% [markdown]
# **LiteRT** (formerly TensorFlow Lite): one compact `.tflite` file for phones, microcontrollers
# and fast CPU inference. The converter turns the Keras model into LiteRT's format; the
# interpreter runs it: you give it an input tensor, `invoke()` it and read the output.

# %% tags=["nbval-check-output"]
converter = tf.lite.TFLiteConverter.from_keras_model(model)
with silenced():                                       # extra code: hides the converter's log lines
    (folder / "model_float32.tflite").write_bytes(converter.convert())

with silenced():
    interpreter = Interpreter(model_path=str(folder / "model_float32.tflite"))
interpreter.allocate_tensors()
interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x_test[:1])
interpreter.invoke()
first = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
print("LiteRT reads the first test digit as", first.argmax(), "- true label", y_test[0])

# %% [markdown]
# The **int8** variant stores the weights, and computes the activations, as 8-bit integers
# instead of 32-bit floats. Three lines more: `optimizations` asks for quantisation;
# `representative_dataset` gives the converter a few hundred *training* images (never the test
# images you score on), which it runs through the model to choose each layer's integer range
# (calibration); `supported_ops` insists on integer kernels throughout (the input and output stay
# float32, so the file is used exactly like the float one).

# %%
calibration = x_train[:500]
converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
with silenced():
    (folder / "model_int8.tflite").write_bytes(converter.convert())

# %% [markdown]
# Now the four files side by side: size, accuracy on the 10,000 test images, and latency, the
# median time to answer for *one* image (the typical case of an app reading one digit). The
# `.keras` row runs the model inside a `tf.function` (compiled into a TensorFlow graph, as a server
# would run it). `measure_exports` only measures: the `.keras` file is the one notebook 01 saved,
# and every export was written above.

# %% tags=["nbval-ignore-output"]
rows = measure_exports(model, model_path, folder / "saved_model",
                       {"LiteRT float32": folder / "model_float32.tflite",
                        "LiteRT int8": folder / "model_int8.tflite"}, x_test, y_test)
print(format_export_table(rows))

# %% [markdown]
# Read the table row by row. The int8 file is about 3.8× smaller than the float32 LiteRT file and
# scores within a hundredth of a point of it, but on this desktop CPU it answers one image two to
# three times more *slowly*: integer kernels pay off on phones and microcontrollers, where they are
# the fast path, not on a CPU whose floating-point units are fast. LiteRT float32 answers one image
# 15 to 20 times faster than the SavedModel and Keras, which pay TensorFlow's overhead on every call. The `.keras`
# file is the largest: it also holds the optimiser's state (Adam's two running averages per
# weight), which further training needs and serving does not.

# %% [markdown]
# ## 5. Your own handwriting, the short way
#
# The model only knows MNIST: 28×28 greyscale, a white digit on black, scaled into a 20×20 box and
# centred by its centre of mass. A picture of a digit you wrote has none of that: dark ink on
# white paper, the digit anywhere and at any size. Here is one, drawn by the package as a felt-tip
# pen would (big, off-centre, 320×260 pixels), standing in for your photo:

# %%
photo = draw_digit(4, size=(320, 260), box=(170, 40, 110, 190), pen=16, seed=1)
plt.imshow(photo, cmap="gray")
plt.title(f"a 'photo': {photo.shape[1]}x{photo.shape[0]} pixels, {photo.dtype}")
plt.show()

# %% [markdown]
# The way MNIST itself was made, in seven steps you can read: greyscale; invert, so the ink is
# bright and the paper 0; threshold, so the paper is exactly 0; crop to the ink; scale the longer
# side to 20 pixels (keeping the aspect ratio); paste into the middle of 28×28; and shift the
# digit so its centre of mass is the image's centre.

# %%
def prepare_simply(picture: np.ndarray) -> np.ndarray:
    """A picture of one dark digit on light paper -> a 28x28 MNIST-style image, float32 in [0, 1]."""
    grey = np.asarray(Image.fromarray(picture).convert("L"), "float32") / 255  # 1. greyscale, 0..1
    ink = 1 - grey                                                   # 2. invert: bright ink on black
    ink[ink < 0.5] = 0                                               # 3. threshold: the paper becomes 0
    rows, cols = np.nonzero(ink)                                     # 4. crop to the ink
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = 20 / max(ink.shape)                                      # 5. longer side -> 20 pixels
    height, width = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    small = np.asarray(Image.fromarray(ink).resize((width, height), Image.Resampling.BOX))
    digit = np.zeros((28, 28), "float32")                            # 6. paste into the middle of 28x28
    top, left = (28 - height) // 2, (28 - width) // 2
    digit[top:top + height, left:left + width] = small
    ys, xs = np.indices(digit.shape)                                 # 7. centre of mass -> centre
    cy, cx = (ys * digit).sum() / digit.sum(), (xs * digit).sum() / digit.sum()
    return np.roll(digit, (round(13.5 - cy), round(13.5 - cx)), axis=(0, 1))


x = prepare_simply(photo)
print("prepared:", x.shape, x.dtype, f"values {x.min():.2f}..{x.max():.2f}")

# %% [markdown]
# **Predict before you run.** `model.predict(x)` with this `x` of shape (28, 28) fails. Why, and
# what shape does the model want? (Look at `model.input_shape`.)
#
# *The answer:* a Keras model always takes a **batch**: its input shape is (None, 28, 28, 1), a
# number of images, then height, width and channels. One image becomes a batch of one with
# `x[None, ..., None]`: a new axis in front (the batch) and one at the end (the channel).

# %%
batch = x[None, ..., None]
print("model.input_shape:", model.input_shape, "- our batch:", batch.shape)
answer = model.predict(batch, verbose=0)[0]  # the probabilities of the one image in the batch
print(f"read as {answer.argmax()} with probability {answer.max():.1%}")
plot_probabilities([x], answer[None], ["prepared the short way"])

# %% [markdown]
# ## 6. The robust way, for real photos
#
# The short version works on a clean drawing in a thick pen. Written with a thin pen, the same 4
# becomes strokes less than a pixel wide once the digit is shrunk to 20 pixels. A phone photo has
# more: uneven light and shadows, grey paper, faint pencil, ruled lines that touch the digit, specks
# of dust. The package's `prepare_image` runs the same seven steps, each made robust: it estimates
# the paper's brightness everywhere and divides it out (shadows and gradients), chooses the ink
# threshold from the image itself (**Otsu's method**: the grey level that best splits the pixels
# into two groups, ink and paper, by making each group's spread of values as small as possible),
# removes ruled lines and specks, thickens strokes too thin to survive the shrinking, and averages
# pixels when scaling (like a scanner). The thin-pen 4, both ways, and the robust way's steps:

# %%
thin = draw_digit(4, size=(320, 260), box=(170, 40, 110, 190), pen=7, seed=1)  # the same 4, thin pen
for name, prepared in [("short way", prepare_simply(thin)), ("robust way", prepare_image(thin))]:
    p = model.predict(prepared[None, ..., None], verbose=0)[0]
    print(f"thin pen, {name}: read as {p.argmax()} with probability {p.max():.1%}")
steps = {}
prepare_image(thin, steps=steps)
plot_preprocessing_steps(steps)

# %% [markdown]
# Both preparations, on the same 100 generated test photos: handwritten digits (MNIST test digits,
# the UCI set redrawn as pen strokes, and digits drawn from pen strokes) on white, cream, grey,
# ruled and squared paper, in
# ballpoint, marker or pencil, with even light, a gradient or a shadow. `prepare_simply` may fail
# outright (its threshold can leave no ink, or keep a whole shadow); that counts as a mistake.

# %%
test_photos = list(digit_photos("test", 100, phone_rate=0))  # seeded: the same photos on every machine
pictures = [np.asarray(Image.open(io.BytesIO(p.data)).convert("RGB")) for p in test_photos]
labels = np.array([int(p.label) for p in test_photos])


def simple_or_blank(picture):
    try:
        return prepare_simply(picture)
    except ValueError:   # no ink left after the threshold: the crop of an empty image fails
        return np.zeros((28, 28), "float32")


simple = np.stack([simple_or_blank(p) for p in pictures])
robust = np.stack([r.image for r in read_digits(pictures, model=model)])
for name, images in [("short preparation", simple), ("robust preparation", robust)]:
    accuracy = (model.predict(images[..., None], verbose=0).argmax(1) == labels).mean()
    print(f"your model, {name}: {accuracy:.0%} of {len(labels)} photos read correctly")

# %%
show = [next(i for i, p in enumerate(test_photos) if p.conditions[key].startswith(value))
        for key, value in [("paper", "ruled"), ("ink", "pencil"), ("light", "shadow"), ("paper", "grey")]]
fig, axes = plt.subplots(3, len(show), figsize=(2.2 * len(show), 6.6))
for col, i in enumerate(show):
    for row, (title, image) in enumerate([("photo", pictures[i]), ("short", simple[i]), ("robust", robust[i])]):
        axes[row, col].imshow(image, cmap="gray")
        axes[row, col].set_title(f"{title}" + (f" ({test_photos[i].label})" if row == 0 else ""))
        axes[row, col].axis("off")
plt.show()

# %% [markdown]
# The model is the same in both rows; only the preparation differs. The short one reads well under
# half of these photos. The pictures above show why: a fixed threshold keeps the wrong pixels
# (ruled and squared lines become "ink", and the crop then frames the whole grid with the digit
# in a corner) or loses the right ones (faint pencil vanishes altogether). The robust preparation reads 95 of the
# 100. The appendix takes its steps apart.

# %% [markdown]
# ## 7. A second model, made for photos: the shipped ensemble
#
# Your model learned from MNIST alone. The package ships a second model, `load_shipped_model()`,
# trained for photos: an **ensemble** of four copies of the tutorial's CNN made smaller (16 and 32
# filters, a 128-unit dense layer), each trained on its own with augmentation (random rotation,
# zoom and shift, random pen widths, every digit also redrawn with an even pen as a ballpoint
# draws it, some at low resolution), and one Keras model that feeds the image to all four and
# returns the **average** of their four probability vectors (a `keras.layers.Average` layer).
# Networks trained from different random starts make different mistakes, so where one is unsure
# or wrong the others can outvote it. Its reason to exist is accuracy on photos; here it is on the
# same 100 photos and the same robust preparation, with each of its four copies alone beside it.

# %% tags=["nbval-ignore-output"]
shipped = load_shipped_model()
copies = [layer for layer in shipped.layers if isinstance(layer, keras.Sequential)]
for name, network in [("your model", model), *[(c.name, c) for c in copies], ("the ensemble (average)", shipped)]:
    mnist = (network.predict(x_test, batch_size=1000, verbose=0).argmax(1) == y_test).mean()
    photos = (network.predict(robust[..., None], verbose=0).argmax(1) == labels).mean()
    print(f"{name:24} MNIST test {mnist:.2%}   100 test photos {photos:.0%}")

# %% [markdown]
# On clean MNIST digits the six are within 0.2 points of each other. On these 100 photos your
# model reads 95, the ensemble 97 and its copies 96 to 98: differences of one to three photos,
# which is within the noise of 100 photos (an accuracy near 96 % measured on 100 photos is
# compatible with a true value anywhere from about 90 to 98 %; the appendix prints such intervals).
# This sample cannot show that averaging helps, and here one copy alone does as well. The choice
# of the shipped model was made on 600 dev photos, where the four copies alone read 94.7 to 95.5 %
# and their average 96.2 % (measured by `python benchmarks/photos/photo_accuracy.py --split dev
# --members` when the model was chosen; not run here).

# %% [markdown]
# ## 8. Confidence is not correctness
#
# The model's top probability is often read as "how sure it is". Is it right that often? Group
# the 10,000 test images by the probability of the answer, and count how many in each group are
# right. A **reliability diagram** plots one against the other: a model whose 90 %-sure answers
# are right 90 % of the time sits on the diagonal.

# %%
confidence = probabilities.max(axis=1)
correct = probabilities.argmax(axis=1) == y_test
edges = [0.0, 0.5, 0.7, 0.9, 0.99, 0.999, 1.0]
groups = np.clip(np.digitize(confidence, edges[1:-1]), 0, len(edges) - 2)
print("confidence      images  mean confidence  right")
for g in range(len(edges) - 1):
    inside = groups == g
    if inside.any():
        print(f"{edges[g]:.3f}-{edges[g + 1]:.3f}  {inside.sum():7,}  {confidence[inside].mean():15.1%}  "
              f"{correct[inside].mean():6.1%}")

used = [g for g in range(len(edges) - 1) if (groups == g).any()]
plt.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
plt.plot([confidence[groups == g].mean() for g in used], [correct[groups == g].mean() for g in used],
         "o-", label="your model")
plt.xlabel("mean confidence of the group")
plt.ylabel("share right")
plt.legend()
plt.show()

# %% [markdown]
# Most answers (8,567 of 10,000) come with at least 99.9 % confidence, and those are essentially
# all right. Lower down, the share right rises with the confidence. Below 90 % the model is right
# a little more often than its confidence says (slightly *under*confident); above, confidence and
# accuracy agree within a few tenths of a point. On MNIST's own test digits the model is well
# calibrated. Only 85 images
# get less than 70 %, and about a third of those are wrong. That is on digits like the ones it was
# trained on; on photos, and on things that are not digits at all, it is another story:
#
# **Predict before you run.** What will the model say about things that are not digits at all: a
# blank page, the letter "A", random noise? Will it say "I don't know"?

# %%
font = ImageFont.load_default(size=200)
letter = Image.new("L", (240, 240), 255)
ImageDraw.Draw(letter).text((40, 0), "A", font=font, fill=0)
not_digits = {"blank page": np.full((28, 28), 0, "float32"),
              "letter A": prepare_image(np.asarray(letter)),
              "noise": np.random.default_rng(0).random((28, 28)).astype("float32")}
answers = model.predict(np.stack(list(not_digits.values()))[..., None], verbose=0)
for name, p in zip(not_digits, answers):
    verdict = "not sure" if p.max() < MIN_CONFIDENCE else f"reads {p.argmax()}"
    print(f"{name:10}: top answer {p.argmax()} with {p.max():.0%} -> {verdict}")
plot_probabilities(list(not_digits.values()), answers, list(not_digits))

# %% [markdown]
# All three get a confident answer: the empty (black) input a 1, the letter a 4, the noise an 8,
# each with 93 % or more. A softmax always sums to 1 over the ten digits, and this model has seen
# nothing but digits: it has no "none of these" answer, and nothing makes it unsure of a thing
# unlike anything it was trained on. The command line and the demo apply one rule with one
# threshold (`MIN_CONFIDENCE`, 0.6, chosen on the dev photos): below it they say "not sure"
# instead of a digit. The table above shows what such a rule can do among real digits: answers
# below 70 % are right only about two times in three; the rule sets aside those below 60 %, the
# lower part of that group. The three lines above show what it cannot do: none of them falls
# below the threshold. (`read_digits` does reject a blank *photo* before the model sees it, as
# the next section shows: it finds no ink.)

# %% [markdown]
# ## 9. Bad input is reported, not fatal
#
# `read_digits` reads several inputs at once. A blank page, a file that is not an image, a
# truncated download, an image so large it could exhaust memory (a "decompression bomb"), a
# 1-pixel image: each gets one clear line naming the input and the problem, and the other inputs
# of the same call are still read. Here are two of them beside a good picture (the project's tests
# try the others).

# %% tags=["nbval-check-output"]
blank = np.full((200, 200), 255, np.uint8)
(folder / "notes.txt").write_text("not a picture")
for r in read_digits([blank, folder / "notes.txt", photo], model=model):
    print(os.path.basename(r.source), "->", r.error.split(": ", 1)[1] if r.error else f"read {r.label}")

# %% [markdown]
# ## 10. The command line
#
# Everything above is also a command. `predict` prints one line per file (or, with `--json`, one
# JSON object per file with its path, label, confidence and top-k candidates); an answer below
# `--min-confidence` (default: the same `MIN_CONFIDENCE`) is reported as "low confidence" rather
# than as a guess. `--model` picks the model (default: the shipped ensemble), `--number` reads whole
# numbers, and `--show OUT.png` saves a figure of what the network was given, the first thing to
# look at when a digit of yours is misread. `train`, `evaluate`, `export` and `demo` cover the
# rest, and `--help` works on each. Let us save two drawn digits as PNG files and read them with
# your model, plus a file that does not exist.

# %% tags=["nbval-ignore-output"]
for d in (3, 8):
    Image.fromarray(draw_digit(d, seed=d)).save(folder / f"digit{d}.png")
# !{sys.executable} -m mnist_cnn predict --model {model_path} {folder}/digit3.png {folder}/digit8.png {folder}/missing.png

# %% [markdown]
# ## 11. Try the model yourself: draw a digit
#
# Run the next cell to open a small app right here: draw a digit with the mouse (or a finger) and,
# after every stroke, your model shows its guess, the ten probabilities and the 28×28 image it
# actually saw after `prepare_image`. `share=False` keeps the app on this computer: on Colab,
# Gradio would otherwise create a public link that anyone who has it can open for 72 hours (pass
# `share=True` when you do want to show it to someone). On GitHub the app cannot run; this is how it
# looks:
#
# ![the draw-a-digit app](../docs/images/demo.png)
#
# The same app in its own browser tab: `python -m mnist_cnn demo --model artifacts/mnist_cnn.keras`.

# %% tags=["nbval-ignore-output"]
# extra code – the live app (Gradio) in this output cell
from mnist_cnn.reading.demo import build_demo

app = build_demo(model)
_ = app.launch(prevent_thread_lock=True, share=False, height=1000)

# %% [markdown]
# ## Summary
#
# You loaded your model with `keras.models.load_model(safe_mode=True)`, checked it, saved a copy,
# exported it as a SavedModel (with an explicit `serve` endpoint) and as LiteRT float32 and int8
# files, and measured what each costs. You prepared a picture of a digit the way MNIST was made, fed
# it to the model as a batch of one, and compared that short preparation with the robust one and
# your model with an ensemble trained for photos. You saw that a confident answer is not always a
# right one and that the model has no "none of these", and why the tools say "not sure" below a
# threshold.
#
# Next: the appendix `04_reading_real_photos.ipynb` takes the photo reader apart (paper, light,
# ruled lines, askew pages, whole numbers) and measures it on a few hundred generated photos.


# %% [markdown]
# ## 12. Exercises
#
# Replace every `...` by your code and run the cell: its last line **checks** your answer and says
# what is right or what to fix. The hint and the worked solution under each are folded away: open
# them after you have tried.

# %%
from mnist_cnn.exercises import notebook_03 as check  # the checks of this notebook's exercises

# %% [markdown]
# ### Exercise 3.1: is int8 as accurate? (write the loop; 5 minutes, seconds to run)
#
# The table of section 4 measured the int8 file for you. Measure it yourself with LiteRT's
# `Interpreter`, as section 4 read one digit: the share of the first 1,000 test images that the
# int8 model reads correctly. (The table used all 10,000, so your figure can differ a little.)

# %% tags=["nbval-check-output"]
int8_accuracy = ...  # the int8 LiteRT model's accuracy on x_test[:1000] (a number between 0 and 1)
check.exercise_3_1(int8_accuracy, folder / "model_int8.tflite", x_test[:1000], y_test[:1000])

# %% [markdown]
# <details><summary>Hint</summary>
#
# Create an `Interpreter(model_path=...)` for `folder / "model_int8.tflite"` and call
# `allocate_tensors()` once. Then, for each image: `set_tensor` with `image[None]` (a batch of
# one), `invoke()`, `get_tensor` of the output, and its `argmax()`. The file's input and output
# stay float32: the converter quantised what is inside.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# with silenced():
#     int8 = Interpreter(model_path=str(folder / "model_int8.tflite"))
# int8.allocate_tensors()
# into, out = int8.get_input_details()[0]["index"], int8.get_output_details()[0]["index"]
# predicted = []
# for image in x_test[:1000]:
#     int8.set_tensor(into, image[None])
#     int8.invoke()
#     predicted.append(int8.get_tensor(out).argmax())
# int8_accuracy = np.mean(np.array(predicted) == y_test[:1000])
# check.exercise_3_1(int8_accuracy, folder / "model_int8.tflite", x_test[:1000], y_test[:1000])
# ```
# </details>

# %% [markdown]
# ### Exercise 3.2: what the "not sure" rule costs (NumPy; 5 minutes)
#
# Apply the command line's rule to your model's test predictions (`probabilities`, section 2): an
# answer whose top probability is below `MIN_CONFIDENCE` becomes "not sure". What share of the
# test images would get "not sure", and how accurate is the model on the rest?

# %% tags=["nbval-check-output"]
unsure_share = ...        # share of test images whose top probability is below MIN_CONFIDENCE
confident_accuracy = ...  # the accuracy on the other test images, the ones the rule answers
check.exercise_3_2(unsure_share, confident_accuracy, probabilities, y_test)

# %% [markdown]
# <details><summary>Hint</summary>
#
# `probabilities.max(axis=1)` is each image's top probability; comparing it with `MIN_CONFIDENCE`
# gives a boolean array, and the mean of a boolean array is the share of `True`. Index the array
# of right/wrong answers with the boolean mask to keep only the answered images.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# sure = probabilities.max(axis=1) >= MIN_CONFIDENCE
# unsure_share = 1 - sure.mean()
# confident_accuracy = (probabilities.argmax(axis=1) == y_test)[sure].mean()
# check.exercise_3_2(unsure_share, confident_accuracy, probabilities, y_test)
# ```
# </details>

# %% [markdown]
# When you are done drawing (now, or after the exercises), stop the app:

# %%
app.close()
