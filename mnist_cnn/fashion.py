"""Fashion-MNIST (notebook 02's transfer-learning task): verified loading from a folder, Debian's
``dataset-fashion-mnist`` package or Keras's download. Same shapes and dtypes as MNIST."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from mnist_cnn.data import Arrays, MnistDataError, display_path, sha256_bytes

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FASHION_FILES = {  # file -> sha256, Debian package 0.0~git20200523.55506a9-1
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
FASHION_HINT = (
    "Fashion-MNIST is needed: on a machine with internet keras.datasets.fashion_mnist downloads it; "
    "offline on Debian/Ubuntu run `sudo apt-get update && sudo apt-get install "
    "dataset-fashion-mnist`; or set FASHION_MNIST_DIR to a folder with the four original .gz files"
)


def read_idx(data: bytes, source: str) -> np.ndarray:
    """Parse an IDX file (big-endian magic, one uint32 per dimension, then uint8 data)."""
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise MnistDataError(f"{source}: not an IDX file of unsigned bytes")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(data) != header + int(np.prod(shape)):
        raise MnistDataError(f"{source}: truncated IDX file (header says {shape})")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def load_fashion_mnist(folder: str | os.PathLike | None = None, *, verbose: bool = True) -> Arrays:
    """Load Fashion-MNIST: same shapes and dtypes as :func:`load_mnist`, 10 clothing classes.

    Sources, in order: ``folder`` or ``$FASHION_MNIST_DIR``, Debian's ``dataset-fashion-mnist``
    package (each file's sha256 is checked), then ``keras.datasets.fashion_mnist.load_data()``.

    Raises:
        MnistDataError: No source worked; the message says how to get the data.
    """
    folder = folder or os.environ.get("FASHION_MNIST_DIR")
    root = Path(folder) if folder else FASHION_DIR
    if all((root / name).is_file() for name in FASHION_FILES):
        arrays = []
        for name, digest in FASHION_FILES.items():
            blob = (root / name).read_bytes()
            if sha256_bytes(blob) != digest:
                raise MnistDataError(f"{display_path(root / name)}: sha256 does not match the "
                                     f"published Fashion-MNIST file")
            arrays.append(read_idx(gzip.decompress(blob), str(root / name)))
        if verbose:
            print(f"Fashion-MNIST loaded from {display_path(root)} (sha256 verified)")
        return (arrays[0], arrays[1]), (arrays[2], arrays[3])
    if folder:
        raise MnistDataError(f"{display_path(root)}: does not hold the four Fashion-MNIST .gz "
                             f"files ({', '.join(FASHION_FILES)})")
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as exc:
        raise MnistDataError(f"Fashion-MNIST is not available (Keras download failed: "
                             f"{type(exc).__name__}); {FASHION_HINT}") from None
    if verbose:
        print("Fashion-MNIST loaded from keras.datasets.fashion_mnist.load_data()")
    return (x_train, y_train), (x_test, y_test)
