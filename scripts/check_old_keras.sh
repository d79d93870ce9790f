#!/usr/bin/env bash
# Check that the shipped model loads and predicts with the OLDEST TensorFlow / Keras that
# pyproject.toml admits (tensorflow-cpu 2.16, keras 3.5), not just the versions in .venv.
#
# Usage: scripts/check_old_keras.sh [VENV]   (default VENV: .venv-oldkeras in the repository, git-ignored)
# Creates VENV with the pinned old versions if it does not exist (a few minutes, ~600 MB), then
# loads mnist_cnn.reading.shipped.load_shipped_model() there, prints the versions and the MNIST test accuracy,
# reads drawn digits 0-9 through read_digits, and exits non-zero on any failure.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$repo/.venv-oldkeras}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    nice -n 19 "$venv/bin/pip" install -q "tensorflow-cpu==2.16.2" "keras==3.5.0" "numpy==1.26.4" \
        "scipy==1.11.4" "scikit-image==0.22.0" "pillow==10.1.0"
fi
cd "$repo"
TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$repo" "$venv/bin/python" - <<'PY'
import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.data import load_mnist, preprocess
from mnist_cnn.reading.strokes import draw_digit
from mnist_cnn.reading.shipped import load_shipped_model
from mnist_cnn.reading.reader import read_digits

model = load_shipped_model()
_, (x_test, y_test) = load_mnist(verbose=False)
accuracy = float((np.asarray(model.predict(preprocess(x_test), batch_size=1000, verbose=0)).argmax(1)
                  == y_test).mean())
drawn = read_digits([draw_digit(d, seed=d) for d in range(10)], model=model)
print(f"tensorflow {tf.__version__}, keras {keras.__version__}: shipped model loaded; "
      f"MNIST test accuracy {accuracy:.2%}; drawn digits 0-9 read as {[r.label for r in drawn]}")
assert accuracy > 0.99, accuracy
PY
