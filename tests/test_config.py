"""mnist_cnn.config: a frozen, validated dataclass."""

import dataclasses

import pytest

from mnist_cnn.config import Config


def test_frozen_and_replace():
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3
    assert dataclasses.replace(config, epochs=3).epochs == 3
    assert Config().to_dict()["filters"] == config.filters


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dropout": 1.0}, "dropout must be in"),
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"filters": (8,), "kernel_sizes": (3, 3)}, "same length"),
        ({"lr_schedule": "cyclic"}, "lr_schedule must be"),
        ({"validation_split": 1.0}, "validation_split must be in"),
        ({"input_pipeline": "generator"}, "input_pipeline must be"),
    ],
)
def test_bad_values_are_rejected(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(Config(), **changes)
