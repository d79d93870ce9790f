"""mnist_cnn.saving and mnist_cnn.export: save/load round trips, safe loading, exports."""

from dataclasses import replace

import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import preprocess
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.saving import ModelError, load_model, save_model

TINY = replace(Config(), filters=(4, 8), dense_units=16)


@pytest.fixture
def tiny_model():
    return compile_model(build_model(TINY), TINY, num_train=64)


def test_save_and_load_give_the_same_predictions(tmp_path, tiny_model, digits):
    x = preprocess(digits[0][:8])
    path = save_model(tiny_model, tmp_path / "m.keras")
    again = load_model(path)
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(tiny_model(x)), rtol=1e-6)
    slim = save_model(tiny_model, tmp_path / "slim.keras", include_optimizer=False)
    np.testing.assert_allclose(np.asarray(load_model(slim)(x)), np.asarray(tiny_model(x)), rtol=1e-6)


def test_save_refuses_other_suffixes(tmp_path, tiny_model):
    with pytest.raises(ValueError, match="must end in .keras"):
        save_model(tiny_model, tmp_path / "m.h5")


def test_failed_save_keeps_the_old_file(tmp_path, tiny_model, monkeypatch):
    path = tmp_path / "m.keras"
    path.write_bytes(b"old model")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(tiny_model), "save", boom)
    with pytest.raises(OSError):
        save_model(tiny_model, path)
    assert path.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such model file"), (b"not a zip", "not a Keras .keras model file"),
     (b"PK\x03\x04 broken zip", "not a Keras .keras model file")],
)
def test_bad_model_files(tmp_path, content, message):
    path = tmp_path / "model.keras"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as info:
        load_model(path)
    assert "\n" not in str(info.value)


def test_model_with_code_is_refused_in_safe_mode(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ModelError, match="cannot load the model"):
        load_model(path)


def test_savedmodel_serves_deterministic_inference_outputs(tmp_path, digits):
    import tensorflow as tf

    from mnist_cnn.export import export_savedmodel

    config = replace(TINY, augment_rotation=20, augment_zoom=0.2, augment_shift=3)
    model = build_model(config)
    x = preprocess(digits[0][:16])
    served = tf.saved_model.load(str(export_savedmodel(model, tmp_path / "sm")))
    expected = np.asarray(model(x, training=False))
    for _ in range(2):  # random augmentation must not leak into serving
        np.testing.assert_allclose(served.serve(tf.constant(x)).numpy(), expected, atol=1e-5)


def test_export_all_formats(tmp_path, digits):
    from mnist_cnn.export import export_all, format_export_table

    config = replace(TINY, augment_rotation=20, augment_shift=3)
    tiny_model = compile_model(build_model(config), config, num_train=64)
    x, y = preprocess(digits[0][:40]), digits[1][:40]
    rows = export_all(tiny_model, tmp_path, x, y, calibration=preprocess(digits[0][40:80]))
    assert [r["format"] for r in rows] == ["Keras .keras (tf.function)", "TF SavedModel",
                                           "LiteRT float32", "LiteRT int8"]
    accuracies = [r["test_accuracy"] for r in rows]
    assert accuracies[0] == accuracies[1] == accuracies[2]  # same float model, same answers
    assert all(r["size_kib"] > 0 and r["latency_ms"] > 0 for r in rows)
    assert "| LiteRT int8 |" in format_export_table(rows)
    no_int8 = export_all(tiny_model, tmp_path / "float-only", x, y)
    assert [r["format"] for r in no_int8][-1] == "LiteRT float32"


def test_a_mixed_precision_model_exports_to_savedmodel_and_litert(tmp_path, digits, monkeypatch):
    import tensorflow as tf

    import mnist_cnn.model
    from mnist_cnn.export import export_savedmodel, export_tflite, tflite_predict_fn

    monkeypatch.setattr(mnist_cnn.model, "bfloat16_is_fast", lambda: True)  # bfloat16 even if emulated
    model = build_model(replace(TINY, mixed_precision=True))
    assert model.layers[0].dtype_policy.name == "mixed_bfloat16"
    x = preprocess(digits[0][:16])
    expected = np.asarray(mnist_cnn.speed.as_float32(model)(x, training=False))
    served = tf.saved_model.load(str(export_savedmodel(model, tmp_path / "sm")))
    np.testing.assert_allclose(served.serve(tf.constant(x)).numpy(), expected, atol=1e-5)
    # LiteRT cannot convert bfloat16 layers: the float32 copy is what gets converted
    lite = tflite_predict_fn(export_tflite(model, tmp_path / "m.tflite"), batch_size=16)
    np.testing.assert_allclose(lite(x), expected, atol=1e-5)
