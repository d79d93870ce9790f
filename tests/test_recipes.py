"""mnist_cnn.recipes: every benchmark recipe builds, trains a few steps and predicts."""

from dataclasses import replace

import numpy as np
import pytest

from mnist_cnn.data import one_hot, preprocess
from mnist_cnn.model import build_model
from mnist_cnn.recipes import RECIPES, get_recipe
from mnist_cnn.train import train


def test_keras_example_matches_the_published_model():
    model = build_model(get_recipe("keras_example"))
    assert model.count_params() == 34_826
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipe_trains_a_few_steps(name, digits):
    x, y = preprocess(digits[0][:64]), one_hot(digits[1][:64])
    config = replace(get_recipe(name), epochs=1, batch_size=32, validation_split=0.0)
    model, history = train(x, y, config, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    probs = np.asarray(model(x[:4], training=False))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_augmentation_is_off_at_inference(digits):
    model = build_model(replace(get_recipe("accurate"), dropout=0.0))
    x = preprocess(digits[0][:8])
    np.testing.assert_array_equal(np.asarray(model.layers[0](x, training=False)), x)
    assert not np.array_equal(np.asarray(model.layers[0](x, training=True)), x)


def test_unknown_recipe_lists_the_choices():
    with pytest.raises(ValueError, match="unknown recipe 'turbo'; choose one of: keras_example"):
        get_recipe("turbo")
