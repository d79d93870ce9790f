"""Source of notebooks/03_using_the_model.ipynb: cells as (kind, text) pairs (see build_notebooks.py)."""

COLAB_BADGE = "<!-- colab-badge -->"

CELLS = [
    ("md", f"""# Using the model: save, export, and read your own handwriting

{COLAB_BADGE}

Notebook 01 trained a CNN that reads MNIST digits. A model is only useful once it leaves the
notebook: this one shows how to **save and reload** it safely, **export** it for serving (with
the size, accuracy and speed of each format), and, the interesting part, how to turn a **photo of
a digit you wrote yourself** into the kind of input the model understands. At the end we measure
how well that works on real handwriting that is not MNIST, and use the command line.

It uses the small model that ships with the `mnist_cnn` package (trained by a committed command,
see the README), so nothing needs training here; it runs in about a minute on a 2-core CPU."""),

    ("md", """## 1. Setup

On Colab the first cell installs the package; elsewhere it does nothing. Then the imports."""),
    ("code", """REPO_URL = ""  # the public repository; written once, by `python scripts/repo_url.py set OWNER/NAME`
if "google.colab" in str(get_ipython()) and REPO_URL:  # on Colab: install the package from the repository
    !pip install -q "mnist-cnn @ git+{REPO_URL}"
elif "google.colab" in str(get_ipython()):
    print("REPO_URL is not set yet: upload the repository's mnist_cnn folder next to this notebook")"""),
    ("code", """%matplotlib inline
import os, tempfile; os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from mnist_cnn import load_mnist, preprocess
from mnist_cnn.handwriting import draw_digit, handwriting_accuracy, handwriting_pages"""),
    ("md", """A few more names, grouped by what they are for: loading and exporting models (`io`,
`export`), reading images (`predict`) and showing the steps (`plots`)."""),
    ("code", """from mnist_cnn.io import SHIPPED_MODEL, load_model, load_shipped_model, save_model
from mnist_cnn.export import export_all, format_export_table
from mnist_cnn.predict import predict_images, prepare_image
from mnist_cnn.plots import plot_predictions, plot_preprocessing_steps, plot_probabilities"""),

    ("md", """## 2. The shipped model

`load_shipped_model()` loads `mnist_cnn/models/mnist_cnn_small.keras`. It is the tutorial's CNN
made smaller (16 and 32 filters, a 128-unit dense layer) and trained with **data augmentation**:
every training image was randomly rotated (up to 12°), zoomed (up to 15 %) and shifted (up to
3 pixels). That costs a little accuracy on MNIST itself but makes the model far less fussy about
how a digit is placed, which matters for photos of real handwriting."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
model = load_shipped_model()
print(f"{SHIPPED_MODEL.name}: {SHIPPED_MODEL.stat().st_size / 1024:.0f} KiB, {model.count_params():,} parameters")
(_, _), (x_test, y_test) = load_mnist()
x_test = preprocess(x_test)"""),

    ("md", """## 3. Save and load

Keras's `.keras` format is a zip file holding the architecture (as JSON) and the weights. Loading
it with `safe_mode=True` (what `load_model` does) refuses to run any Python code stored in the
file, such as a `Lambda` layer, so opening a model someone sent you cannot execute their code.
`save_model` writes to a temporary file and renames it, so a crash mid-save never destroys the
previous file. We check that the reloaded model predicts exactly the same probabilities."""),
    ("code", """# NBVAL_CHECK_OUTPUT
folder = tempfile.mkdtemp()
path = save_model(model, os.path.join(folder, "copy.keras"), include_optimizer=False)
reloaded = load_model(path)
print("identical predictions:", np.array_equal(model.predict(x_test[:500], verbose=0),
                                               reloaded.predict(x_test[:500], verbose=0)))"""),

    ("md", """## 4. Export for serving

A `.keras` file needs Keras to run. For serving, TensorFlow offers two exports:

- **SavedModel** (`model.export`): a folder with the computation graph and weights, served by
  TensorFlow Serving or loaded from any TensorFlow program without the Python model code.
- **LiteRT** (formerly TensorFlow Lite): one compact `.tflite` file for phones, microcontrollers
  and fast CPU inference. The **int8** variant stores weights (and computes activations) as
  8-bit integers instead of 32-bit floats, calibrated on 500 training images: about 4× smaller.

The table compares them on the 10,000 test images; latency is one image at a time, the typical
case of an app reading one digit."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
rows = export_all(model, os.path.join(folder, "exports"))
print(format_export_table(rows))"""),

    ("md", """## 5. From a photo to an MNIST digit

The model only knows MNIST: 28×28 greyscale, a white digit on black, scaled into a 20×20 box and
centred by its centre of mass. A photo of a digit you wrote has none of that: dark ink on white
paper, the digit anywhere and at any size, thin pen strokes, uneven light. Feeding it straight in
would fail. `prepare_image` repeats the way MNIST itself was made:

1. greyscale (colour, transparency, palettes and 16-bit images are handled);
2. detect the paper from the image border and **invert** dark ink on light paper; subtract the
   paper's brightness;
3. keep the digit: **Otsu's threshold** separates ink from paper, and ink blobs much smaller than
   the digit (dust, specks) are dropped;
4. **crop** to the digit, thicken strokes that would vanish when shrunk, and **scale** the longer
   side to 20 pixels, keeping the aspect ratio (averaging pixels, like a scanner);
5. paste it into 28×28 and **shift its centre of mass to the centre**.

Here is a digit drawn as a person would: a dark pen on white paper, big and off-centre."""),
    ("code", """photo = draw_digit(4, size=(320, 260), box=(170, 40, 110, 190), pen=7, seed=1)
steps = {}
prepare_image(photo, steps=steps)
plot_preprocessing_steps(steps)"""),

    ("md", """## 6. Predictions with probabilities

Now a row of digits drawn at different sizes, positions and pen widths, through `predict_images`,
which runs the preparation above and the model, and returns for each input the label, the
confidence and all ten probabilities (plus the 28×28 image the model saw)."""),
    ("code", """drawn = [draw_digit(d, size=(300, 300), box=(20 + 15 * d, 30 + 9 * d, 70 + 12 * d, 110 + 12 * d),
                    pen=4 + d % 4, seed=d) for d in range(10)]
results = predict_images(drawn, model=model)
plot_probabilities([r.image for r in results], np.stack([r.probabilities for r in results]),
                   [f"drew {d}: read {r.label} ({r.confidence:.0%})" for d, r in enumerate(results)])"""),

    ("md", """## 7. Real handwriting that is not MNIST

Drawn strokes are our own invention; real handwriting is the true test. scikit-learn ships 1,797
digits written by 43 people on forms (the UCI "optical digits" set, none of them in MNIST), stored
at 8×8 pixels. `handwriting_pages` paints each one as dark ink on off-white paper at a random size
(40 to 200 pixels) and position, with uneven light and noise, like a photo. Here are a few, and the
accuracy of the whole pipeline on all of them."""),
    ("code", """pages, labels = handwriting_pages(n=8, seed=3)
sample = predict_images(pages, model=model)
plot_predictions(np.stack([r.image for r in sample]), labels, np.stack([r.probabilities for r in sample]),
                 range(8), title="UCI handwriting, as the model saw it: predicted (confidence) / true")"""),
    ("code", """# NBVAL_IGNORE_OUTPUT
scores = handwriting_accuracy(model)
print(f"accuracy on {scores['n']:,} real handwritten digits: {scores['accuracy']:.1%} "
      f"({scores['errors']} rejected as unreadable)")
print("per digit:", {d: f"{a:.0%}" for d, a in scores["per_digit"].items()})"""),

    ("md", """## 8. Bad input is reported, not fatal

A blank page, a file that is not an image, a truncated download, an image so large it could
exhaust memory (a "decompression bomb"), a 1-pixel image: each gets one clear line naming the
input and the problem, and the other inputs of the same call are still predicted."""),
    ("code", """# NBVAL_CHECK_OUTPUT
blank = np.full((200, 200), 255, np.uint8)
notes = os.path.join(folder, "notes.txt"); open(notes, "w").write("not a picture")
for r in predict_images([blank, notes, drawn[7]], model=model):
    print(os.path.basename(r.source), "->", r.error.split(": ", 1)[1] if r.error else f"read {r.label}")"""),

    ("md", """## 9. The command line

Everything above is also a command. `predict` prints one line per file (or, with `--json`, one JSON
object per file with its path, label, confidence and top-k candidates); `train`, `evaluate` and
`export` cover the rest, and `--help` works on each. Let us save two drawn digits as PNG files and
read them, plus a missing file."""),
    ("code", """# NBVAL_IGNORE_OUTPUT
import sys; from PIL import Image
for d in (3, 8):
    Image.fromarray(drawn[d]).save(os.path.join(folder, f"digit{d}.png"))
!{sys.executable} -m mnist_cnn predict {folder}/digit3.png {folder}/digit8.png {folder}/missing.png --json"""),

    ("md", """## Summary

You saved and reloaded a model safely, exported it as a SavedModel and as LiteRT files (with the
int8 file a fraction of the size), and built the bridge from a photo to MNIST's format:
inversion, background removal, cropping, scaling into 20×20 and centring by centre of mass. The
accuracy on real, non-MNIST handwriting printed above is the honest measure of how well that
bridge works; the per-digit figures show where it is weakest.

**Exercises**

1. Feed `predict_images` a digit without the preparation (just resized to 28×28 with
   `PIL.Image.resize`) and compare the predictions: which step matters most?
2. Train your own model with `python -m mnist_cnn train --recipe small --augment-rotation 0
   --augment-zoom 0 --augment-shift 0 -o plain.keras` and compare its `handwriting_accuracy`.
3. Photograph a digit you wrote, upload it, and run `predict_images(["my_digit.jpg"])`."""),
]
