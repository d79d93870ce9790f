"""mnist_cnn.recipes: each recipe builds the model its docstring describes, compiles with the
optimiser and loss it names, and a few training steps on synthetic digits lower its loss."""

import warnings
from dataclasses import replace

import keras
import numpy as np
import pytest

from mnist_cnn.config import Config
from mnist_cnn.data import one_hot, preprocess
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.recipes import RECIPES, get_recipe
from mnist_cnn.speed import FusedAdam, bfloat16_is_fast
from mnist_cnn.train import train


def kinds(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_keras_example_matches_the_published_model():
    model = build_model(get_recipe("keras_example"))
    assert model.count_params() == 34_826
    assert kinds(model) == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    config = get_recipe("keras_example")
    assert (config.batch_size, config.epochs, config.learning_rate, config.lr_schedule) == (
        128, 15, 1e-3, "constant")


def test_tutorial_is_the_default_config():
    assert get_recipe("tutorial") == Config()
    assert build_model(get_recipe("tutorial")).count_params() == 215_362


def test_fast_is_the_published_one_epoch_net():
    """The published one-epoch net with 16 first-layer filters: conv 5x5x16 -> pool -> conv 3x3x32
    -> pool -> dense 256 -> 10, no BN or dropout, bfloat16 compute with a float32 output layer,
    one epoch of (fused) Adam(0.012, beta=(0.7, 0.9)) on batches of 320."""
    config = get_recipe("fast", "bfloat16")
    model = compile_model(build_model(config), config, num_train=54_000)
    assert kinds(model) == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.kernel_size) for c in convs] == [(16, (5, 5)), (32, (3, 3))]
    assert model.layers[-2].units == 256
    hidden = "mixed_bfloat16" if bfloat16_is_fast() else "float32"  # float32 where bf16 is emulated
    assert [layer.dtype_policy.name for layer in model.layers] == [hidden] * 6 + ["float32"]
    assert all(w.dtype == "float32" for w in model.weights)
    assert (config.epochs, config.batch_size) == (1, 320)
    opt = model.optimizer
    assert isinstance(opt, FusedAdam)  # Keras's Adam, one TensorFlow op per variable update
    assert (float(opt.beta_1), float(opt.beta_2)) == pytest.approx((0.7, 0.9))
    assert float(keras.ops.convert_to_numpy(opt.learning_rate)) <= config.learning_rate  # warm-up starts low
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(config.label_smoothing)


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipe_builds_the_model_its_config_describes(name):
    config = get_recipe(name)
    model = build_model(config)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == list(config.filters)
    assert [c.kernel_size for c in convs] == [(k, k) for k in config.kernel_sizes]
    assert kinds(model).count("BatchNormalization") == (len(config.filters) if config.batch_norm else 0)
    assert ("Dropout" in kinds(model)) == (config.dropout > 0)
    hidden = [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)][:-1]
    assert hidden == ([config.dense_units] if config.dense_units else [])
    augmenting = bool(config.augment_shift or config.augment_rotation or config.augment_zoom)
    assert model.layers[0].name.startswith("augment") == augmenting
    assert model.output_shape == (None, 10)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RECIPES))
def test_a_few_steps_of_each_recipe_lower_the_loss(name, digits):
    x, y = preprocess(digits[0]), one_hot(digits[1])
    config = replace(get_recipe(name), epochs=3, batch_size=32, validation_split=0.0)
    model, history = train(x, y, config, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    probs = np.asarray(model(x[:4], training=False))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("native", [True, False])
def test_mixed_precision_is_used_only_where_bfloat16_is_native(monkeypatch, native):
    import mnist_cnn.model

    monkeypatch.setattr(mnist_cnn.model, "bfloat16_is_fast", lambda: native)
    policies = {layer.dtype_policy.name for layer in build_model(get_recipe("fast")).layers[:-1]}
    assert policies == ({"mixed_bfloat16"} if native else {"float32"})


def test_a_mixed_precision_model_exports_as_float32_with_the_same_weights(digits):
    from mnist_cnn.speed import as_float32

    model = build_model(replace(get_recipe("fast"), seed=0))
    twin = as_float32(model)
    assert {layer.dtype_policy.name for layer in twin.layers} == {"float32"}
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = preprocess(digits[0][:16])
    np.testing.assert_allclose(np.asarray(twin(x)), np.asarray(model(x)), atol=0.02)  # bfloat16: 3 digits
    plain = build_model(Config())
    assert as_float32(plain) is plain


def test_augmentation_is_off_at_inference(digits):
    model = build_model(replace(get_recipe("accurate"), dropout=0.0))
    x = preprocess(digits[0][:8])
    np.testing.assert_array_equal(np.asarray(model.layers[0](x, training=False)), x)
    assert not np.array_equal(np.asarray(model.layers[0](x, training=True)), x)


def test_unknown_recipe_lists_the_choices():
    with pytest.raises(ValueError, match="unknown recipe 'turbo'; choose one of: keras_example"):
        get_recipe("turbo")


@pytest.mark.parametrize("cap, native", [("AVX2", False), ("avx512_core", False),
                                         ("AVX512_CORE_BF16", None), ("AVX512_CORE_AMX", None)])
def test_a_onednn_cap_below_bfloat16_means_float32(monkeypatch, cap, native):
    from mnist_cnn import speed

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
    monkeypatch.setattr(speed.tf.config, "list_physical_devices", lambda kind: [])
    speed.compute_class.cache_clear()
    try:
        if native is False:
            with pytest.warns(UserWarning, match=f"ONEDNN_MAX_CPU_ISA={cap.upper()}"):
                assert speed.bfloat16_is_fast() is False
        else:  # a cap that allows bfloat16 leaves the answer to the CPU's flags
            flags = open("/proc/cpuinfo").read()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert speed.bfloat16_is_fast() is ("avx512_bf16" in flags or "amx_bf16" in flags)
    finally:
        speed.compute_class.cache_clear()


def test_fast_has_a_float32_variant_chosen_by_the_cpu_class(monkeypatch):
    from mnist_cnn import speed
    from mnist_cnn.recipes import FLOAT32_RECIPES

    bf16, f32 = get_recipe("fast", "bfloat16"), get_recipe("fast", "float32")
    assert f32 == FLOAT32_RECIPES["fast"] and bf16 == RECIPES["fast"]
    assert (f32.filters, f32.steps_per_execution, f32.mixed_precision) == ((16, 24), 32, False)
    assert replace(f32, filters=bf16.filters, steps_per_execution=1, mixed_precision=True) == bf16
    assert get_recipe("accurate", "float32") == get_recipe("accurate", "bfloat16")  # no variant
    for compute, expected in (("float32", f32), ("bfloat16", bf16)):
        monkeypatch.setattr(speed, "compute_class", lambda compute=compute: (compute, "test"))
        assert get_recipe("fast") == expected
    with pytest.raises(ValueError, match="unknown compute class 'fp8'"):
        get_recipe("fast", "fp8")
