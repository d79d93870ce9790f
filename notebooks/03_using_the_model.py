# %% [markdown]
# # Using the model: save, export, and read your own handwriting
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](../README.md#run-in-colab) _(link pending: the repository URL is not set yet)_
#
# Notebook 01 trained a CNN that reads MNIST digits. A model is only useful once it leaves the
# notebook: this one shows how to **save and reload** it safely, **export** it for serving (with
# the size, accuracy and speed of each format), and, the interesting part, how to turn a **photo
# of a digit you wrote yourself** into the kind of input the model understands. We measure how
# well that works on photos of real handwriting that is not MNIST, read whole numbers, use the
# command line, and end with a live demo where you draw a digit yourself.
#
# It uses the photo ensemble that ships with the `mnist_cnn` package (trained by committed commands,
# see the README), so nothing needs training here; it runs in a few minutes on a 2-core CPU.

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
import os
import io
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter  # LiteRT's runtime (`pip install ai-edge-litert`)
from IPython.display import display
from PIL import Image

from mnist_cnn import load_mnist, preprocess

# %% [markdown]
# A few more helpers, grouped by what they are for: export measurements (`export`), silencing
# TensorFlow's progress lines (`quiet`), the lesson's plots (`plots`), and the photo reader,
# which has its own subpackage `mnist_cnn.reading`: the shipped model (`shipped`), preparing and
# reading images and numbers (`digit`, `reader`, `numbers`), test photos (`strokes`,
# `synthetic`), their scores (`scoring`) and its figures (`figures`).

# %%
from mnist_cnn.export import export_all, format_export_table
from mnist_cnn.plots import plot_predictions
from mnist_cnn.quiet import silenced
from mnist_cnn.reading.digit import prepare_image
from mnist_cnn.reading.figures import plot_number_reading, plot_preprocessing_steps, plot_probabilities
from mnist_cnn.reading.numbers import read_number
from mnist_cnn.reading.reader import read_digits
from mnist_cnn.reading.scoring import (accuracy_table, evaluate_digits, evaluate_numbers, format_table,
                                       handwriting_accuracy)
from mnist_cnn.reading.shipped import load_shipped_model
from mnist_cnn.reading.strokes import draw_digit
from mnist_cnn.reading.synthetic import digit_photos, handwriting_pages, number_photos, tilted_photos

# %% [markdown]
# ## 2. The shipped model
#
# `load_shipped_model()` loads the model in `mnist_cnn/reading/models/`. It is an **ensemble**: four
# copies of the tutorial's CNN made smaller (16 and 32 filters, a 128-unit dense layer), each
# trained on its own, and one Keras model that feeds the image to all four and returns the
# **average** of their four probability vectors (a `keras.layers.Average` layer). Networks
# trained from different random starts, or on different data, make different mistakes, so where
# one of them is unsure or wrong the others can outvote it.
#
# Every copy was trained with **data augmentation**: each training image was randomly rotated (up
# to 12°), zoomed (up to 15 %) and shifted (up to 3 pixels), and half of them got a different pen
# (1 or 2 pixels thicker, 1 thinner, or blurred: the `RandomStroke` layer of `mnist_cnn.reading.photo_model`).
# Each also saw every training digit a second time *re-inked*: its centre line redrawn with a pen
# of even, random width (`mnist_cnn.reading.reink`), because a ballpoint or a marker in a photo looks like
# that, not like MNIST's scanned strokes. Two of the four saw half of those re-inked digits at
# **low resolution** too: shrunk to 7–14 pixels and enlarged back, as a digit looks when it
# filled only a few pixels of a photo. All this makes the model less fussy about how a digit is
# placed and drawn, which matters for photos of real handwriting. Everything the notebook writes
# goes into `artifacts/` next to it.

# %%
# NBVAL_CHECK_OUTPUT
model = load_shipped_model()
print(f"{model.name}: {model.count_params():,} parameters")
(x_train, _), (x_test, y_test) = load_mnist(verbose=False)
x_train, x_test = preprocess(x_train), preprocess(x_test)
folder = Path("artifacts")
folder.mkdir(exist_ok=True)

# %% [markdown]
# The four copies are layers of the ensemble: `model.layers` holds the input, the four
# `Sequential` networks and the `Average` layer, and each network can be called on its own. Here
# each copy, and their average, reads MNIST's 10,000 test digits:

# %%
copies = [layer for layer in model.layers if isinstance(layer, keras.Sequential)]
for network in copies + [model]:
    accuracy = (network.predict(x_test, verbose=0).argmax(1) == y_test).mean()
    print(f"{network.name}: test accuracy {accuracy:.2%}")

# %% [markdown]
# On clean MNIST digits the copies are all good and the average gains little. Its gain shows on
# photos of real handwriting (sections 7 and 8), where the copies disagree more often:
# `python benchmarks/photos/photo_accuracy.py --split dev --members` scores each copy and the average on
# the photos the pipeline was tuned on (the README gives its figures).

# %% [markdown]
# ## 3. Save and load
#
# Keras's `.keras` format is one zip file holding the architecture (as JSON), the weights and,
# if the model was compiled, the optimizer's state. `model.save` writes it;
# `keras.models.load_model` reads it back. `safe_mode=True` (the default, written out here so you
# remember it) refuses to deserialise Python code stored in a `.keras` file, such as a `Lambda`
# layer's function: loading such a file fails instead of running it. It does not make any file
# safe (the loader and the layers your own code registers still run), so load models only from
# sources you trust. The check: the reloaded model must
# give exactly the same probabilities.

# %%
# NBVAL_CHECK_OUTPUT
model.save(folder / "copy.keras")
reloaded = keras.models.load_model(folder / "copy.keras", safe_mode=True)
same = np.array_equal(model.predict(x_test[:500], verbose=0), reloaded.predict(x_test[:500], verbose=0))
print("identical predictions:", same)

# %% [markdown]
# (The package's `mnist_cnn.saving.save_model` does the same but writes to a temporary file first and
# renames it, so a crash mid-save never destroys an older file of the same name; the command line
# uses it.)
#
# ## 4. Export for serving
#
# A `.keras` file needs Keras and the Python model code to run. For serving, TensorFlow offers
# two exports that need neither.
#
# **SavedModel**: a folder with the computation graph and the weights, served by TensorFlow
# Serving or loaded by any TensorFlow program. `model.export(path)` writes one with a `serve`
# function. Here we use the lower-level `keras.export.ExportArchive` instead, to say exactly what
# `serve` does: call the model with `training=False`. This matters for models with augmentation
# layers like ours: with Keras 3.15 a plain `model.export` traced those random layers in training
# mode, and two calls on the same images gave different answers.

# %%
# NBVAL_CHECK_OUTPUT
archive = keras.export.ExportArchive()
archive.track(model)                                   # the variables (weights) to save
archive.add_endpoint(name="serve", fn=lambda x: model(x, training=False),
                     input_signature=[tf.TensorSpec(shape=(None, 28, 28, 1), dtype=tf.float32)])
with silenced():                               # extra code: hides TensorFlow's progress lines
    archive.write_out(str(folder / "saved_model"))
served = tf.saved_model.load(str(folder / "saved_model"))  # no Keras model code needed from here on
print("same digits as Keras:", np.array_equal(served.serve(x_test[:500]).numpy().argmax(1),
                                               model.predict(x_test[:500], verbose=0).argmax(1)))

# %% [markdown]
# **LiteRT** (formerly TensorFlow Lite): one compact `.tflite` file for phones,
# microcontrollers and fast CPU inference. The converter turns the Keras model into LiteRT's
# format; the interpreter runs it: you give it an input tensor, `invoke()` it and read the output.

# %%
# NBVAL_CHECK_OUTPUT
converter = tf.lite.TFLiteConverter.from_keras_model(model)
with silenced():                               # extra code: hides the converter's log lines
    (folder / "model.tflite").write_bytes(converter.convert())

with silenced():
    interpreter = Interpreter(model_path=str(folder / "model.tflite"))
interpreter.allocate_tensors()
interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x_test[:1])
interpreter.invoke()
probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
print("LiteRT reads the first test digit as", probabilities.argmax(), "- true label", y_test[0])

# %% [markdown]
# The **int8** variant stores the weights, and computes the activations, as 8-bit integers
# instead of 32-bit floats: in the table below its file is about 3.7× smaller than the float32
# LiteRT one, and on this CPU it is *slower* one image at a time (its latency column; integer
# kernels pay off on phones and microcontrollers, not on a desktop CPU). To choose each layer's integer range, the converter
# runs a few hundred *training* images through the model (calibration; never the test images you
# score on). `export_all` writes all four formats that way and measures them on the 10,000 test
# images; latency is one image at a time, the typical case of an app reading one digit.

# %%
# NBVAL_IGNORE_OUTPUT
rows = export_all(model, folder / "exports", x_test, y_test, calibration=x_train[:500])
print(format_export_table(rows))

# %% [markdown]
# ## 5. From a photo to an MNIST digit
#
# The model only knows MNIST: 28×28 greyscale, a white digit on black, scaled into a 20×20 box and
# centred by its centre of mass. A photo of a digit you wrote has none of that: dark ink on white
# paper, the digit anywhere and at any size, thin pen strokes, uneven light. Feeding it straight in
# would fail. `prepare_image` repeats the way MNIST itself was made:
#
# 1. greyscale (colour, transparency, palettes and 16-bit images are handled);
# 2. detect the paper from the image border and **invert** dark ink on light paper; divide by the
#    paper's brightness;
# 3. keep the digit: **Otsu's threshold** separates ink from paper, and ink blobs much smaller than
#    the digit (dust, specks) or far from it (a scrap of a line at the page's edge) are dropped;
# 4. **crop** to the digit, thicken strokes that would vanish when shrunk, and **scale** the longer
#    side to 20 pixels, keeping the aspect ratio (averaging pixels, like a scanner);
# 5. paste it into 28×28 and **shift its centre of mass to the centre**.
#
# Here is a digit drawn as a person would: a dark pen on white paper, big and off-centre.

# %%
photo = draw_digit(4, size=(320, 260), box=(170, 40, 110, 190), pen=7, seed=1)
steps = {}
prepare_image(photo, steps=steps)
plot_preprocessing_steps(steps)

# %% [markdown]
# ## 6. Predictions with probabilities
#
# Now a row of digits drawn at different sizes, positions and pen widths, through `read_digits`,
# which runs the preparation above and the model, and returns for each input the label, the
# confidence and all ten probabilities (plus the 28×28 image the model saw).

# %%
drawn = [draw_digit(d, size=(300, 300), box=(20 + 15 * d, 30 + 9 * d, 70 + 12 * d, 110 + 12 * d),
                    pen=4 + d % 4, seed=d) for d in range(10)]
results = read_digits(drawn, model=model)
plot_probabilities([r.image for r in results], np.stack([r.probabilities for r in results]),
                   [f"drew {d}: read {r.label} ({r.confidence:.0%})" for d, r in enumerate(results)])

# %% [markdown]
# ## 7. Real handwriting that is not MNIST
#
# Drawn strokes are our own invention; real handwriting is the true test. scikit-learn ships 1,797
# digits written by 13 people on forms (the test part of the UCI "optical digits" set, none in MNIST), stored
# at 8×8 pixels. `handwriting_pages` paints each one as dark ink on off-white paper at a random size
# (40 to 200 pixels) and position, with uneven light and noise, like a photo. Here are a few, and the
# accuracy of the whole pipeline on all of them.

# %%
pages, labels = handwriting_pages(n=8, seed=3)
sample = read_digits(pages, model=model)
plot_predictions(np.stack([r.image for r in sample]), labels, np.stack([r.probabilities for r in sample]),
                 range(8), title="UCI handwriting, as the model saw it: predicted (confidence) / true")

# %%
# NBVAL_IGNORE_OUTPUT
scores = handwriting_accuracy(model)
print(f"accuracy on {scores['n']:,} real handwritten digits: {scores['accuracy']:.1%} "
      f"({scores['errors']} rejected as unreadable)")
print("per digit:", {d: f"{a:.0%}" for d, a in scores["per_digit"].items()})

# %% [markdown]
# ## 8. Real photos: notebook paper, pencil, shadows
#
# A phone photo of a digit on a school notebook page is harder still: ruled or squared lines would
# join the digit, pencil is faint, and a shadow darkens part of the page. `prepare_image` handles
# these before the steps above:
#
# - it estimates the paper's brightness everywhere and divides it out, so a gradient or a soft
#   shadow disappears and only the ink stays dark. The estimate is the darker of a large median
#   filter and a grey-level *closing* (a maximum filter, then a minimum filter), which erases
#   every dark mark narrower than its window but keeps a shadow's straight edge where it is;
# - it removes **ruled and grid lines** with a morphological *opening*: keeping only the ink where
#   a straight line half the page long, slid along the row (or column), lies at least 70 % on ink
#   (noise and light break a faint printed line into dashes). A digit's strokes are never that
#   long and straight, the paper's lines are; they are removed, and where a pen stroke crossed a
#   line the small gap is closed again. A printed page's lines are evenly spaced, so where uneven
#   light left only pieces of a line, shorter straight runs on the lines that spacing predicts are
#   removed too. Printed lines are light and thin, so line pixels much darker than the lines, or
#   where the ink reaches well past the line on both sides (a pen stroke written along one, like
#   the foot of a 2 sitting on it), are kept. If the page was
#   photographed askew, the lines are first levelled: the angle at which the ink piles up into
#   the longest straight line (up to ±10°) is found, the image is turned by it, and turned back
#   after the lines are gone.
#
# To measure this honestly, `mnist_cnn.reading.synthetic` generates a seeded set of photos: real handwriting
# (MNIST *test* digits, the UCI digits redrawn as pen strokes, and drawn strokes) on white, cream,
# grey, ruled and squared paper, in ballpoint, marker or pencil, thin or thick, with even light, a
# gradient or a shadow, noise and blur, small or large, tilted up to ±15°, saved as PNG, JPEG or
# WebP. The pipeline was tuned on a **dev** set; the **test** set uses other seeds and other source
# digits. Here are three dev photos (ruled paper, pencil, a shadow) and the steps, including the
# line removal:

# %%
dev = list(digit_photos("dev", 30))
picks = [next(p for p in dev if p.conditions["paper"].startswith("ruled")),
         next(p for p in dev if p.conditions["ink"] == "pencil"),
         next(p for p in dev if p.conditions["light"] == "shadow")]
for photo in picks:
    steps = {}
    prepare_image(np.asarray(Image.open(io.BytesIO(photo.data))), steps=steps)
    display(plot_preprocessing_steps(steps))

# %% [markdown]
# How well does the whole pipeline read such photos? 600 test photos, each written to a file and
# read back, by condition (each photo counts once in every group). This takes a few minutes.

# %%
# NBVAL_IGNORE_OUTPUT
photo_results = evaluate_digits("test", 600, model=model)
print(format_table(accuracy_table(photo_results), "One digit per photo, test set"))

# %% [markdown]
# The generated pages lie straight. A phone seldom does: here are the same test photos on ruled
# and squared paper, each page turned by a random angle up to ±8°.

# %%
# NBVAL_IGNORE_OUTPUT
tilted_results = evaluate_digits(photos=tilted_photos("test", 600), model=model)
print(format_table([row for row in accuracy_table(tilted_results) if row[0] in ("all", "paper", "page tilt")],
                   "Ruled and squared paper photographed askew, test set"))

# %% [markdown]
# Read the table for the weak spots rather than the total: the conditions with the lowest
# accuracy are where a photo of your own is most likely to be misread, and where the pipeline
# (or a model trained on more varied data) has most to gain.
#
# ## 9. Whole numbers
#
# A photo of a number written in a row ("2026", a house number, a price): `read_number` cleans the
# page the same way, finds each digit as a connected piece of ink (dots and specks dropped, pieces
# stacked above each other merged, a short piece that lies over a digit joined to it (a "5" whose
# bar is drawn apart), a piece much wider than tall split where its ink is thinnest), reads them
# left to right and reports each digit's confidence and box.

# %%
photo = next(number_photos("dev", 1))
page = np.asarray(Image.open(io.BytesIO(photo.data)))
reading = read_number(page, model=model)
print(f"written {photo.label}, read {reading.text}:",
      [(d.label, round(d.confidence, 2), d.box) for d in reading.digits])
plot_number_reading(page, reading)

# %% [markdown]
# And on 200 test photos of 2- to 6-digit numbers, the share read exactly (every digit right):

# %%
# NBVAL_IGNORE_OUTPUT
number_results = evaluate_numbers("test", 200, model=model)
rows = [r for r in accuracy_table(number_results) if r[0] in ("all", "paper")]
print(format_table(rows, "Whole numbers (2-6 digits) read exactly, test set"))

# %% [markdown]
# ## 10. Bad input is reported, not fatal
#
# A blank page, a file that is not an image, a truncated download, an image so large it could
# exhaust memory (a "decompression bomb"), a 1-pixel image: each gets one clear line naming the
# input and the problem, and the other inputs of the same call are still predicted.

# %%
# NBVAL_CHECK_OUTPUT
blank = np.full((200, 200), 255, np.uint8)
(folder / "notes.txt").write_text("not a picture")
for r in read_digits([blank, folder / "notes.txt", drawn[7]], model=model):
    print(os.path.basename(r.source), "->", r.error.split(": ", 1)[1] if r.error else f"read {r.label}")

# %% [markdown]
# ## 11. The command line
#
# Everything above is also a command. `predict` prints one line per file (or, with `--json`, one
# JSON object per file with its path, label, confidence and top-k candidates); an answer below
# `--min-confidence` (default 0.6, chosen on the dev photos) is reported as "low confidence" rather
# than as a guess. `--number` reads whole numbers, and `--show OUT.png` saves a figure of what the
# network was given, the first thing to look at when a digit of yours is misread. `train`,
# `evaluate`, `export` and `demo` cover the rest, and `--help` works on each. Let us save two
# drawn digits and a number as PNG files and read them, plus a file that does not exist.

# %%
# NBVAL_IGNORE_OUTPUT
for d in (3, 8):
    Image.fromarray(drawn[d]).save(folder / f"digit{d}.png")
Image.fromarray(page).save(folder / "number.png")
# !{sys.executable} -m mnist_cnn predict {folder}/digit3.png {folder}/digit8.png {folder}/missing.png
# !{sys.executable} -m mnist_cnn predict --number {folder}/number.png --show {folder}/seen.png

# %% [markdown]
# ## 12. Try the model yourself: draw a digit
#
# Run the next cell to open a small app right here: draw a digit with the mouse (or a finger) and,
# after every stroke, the `model` loaded in step 2 shows its guess, the ten probabilities and the
# 28×28 image it actually saw after `prepare_image`. Pass your own model to `build_demo` to test
# it instead. The app runs on this computer only and needs no internet. On GitHub the app cannot
# run; this is how it looks:
#
# ![the draw-a-digit app](../docs/images/demo.png)
#
# The same app in its own browser tab: `python -m mnist_cnn demo --model my_model.keras`.

# %%
# NBVAL_IGNORE_OUTPUT
# extra code – the live app (Gradio) in this output cell
from mnist_cnn.reading.demo import build_demo

app = build_demo(model)
_ = app.launch(prevent_thread_lock=True, height=1000)

# %% [markdown]
# ## Summary
#
# You saved and reloaded a model with `model.save` and `keras.models.load_model(safe_mode=True)`,
# exported it as a SavedModel (with an explicit `serve` endpoint) and as LiteRT files, and built
# the bridge from a photo to MNIST's format: paper and shadow removal, ruled-line removal,
# inversion, cropping, scaling into 20×20 and centring by centre of mass. The accuracies printed
# in steps 7 to 9 are the honest measure of how well that bridge works on handwriting that is not
# MNIST, and their weakest rows show where it fails.
#
# **Exercises**
#
# 1. Feed `read_digits` a digit without the preparation (just resized to 28×28 with
#    `PIL.Image.resize`) and compare the predictions: which step matters most?
# 2. Train your own model with `python -m mnist_cnn train --recipe small --augment-rotation 0
#    --augment-zoom 0 --augment-shift 0 --augment-stroke 0 --reink-copies 0 -o plain.keras` and
#    compare its `handwriting_accuracy`.
# 3. Photograph a digit you wrote, upload it, and run `read_digits(["my_digit.jpg"])`; if it is
#    misread, look at `python -m mnist_cnn predict my_digit.jpg --show seen.png`.

# %% [markdown]
# When you are done drawing, stop the app:

# %%
app.close()
