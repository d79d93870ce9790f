"""Hyper-parameter search with KerasTuner over the tutorial's CNN."""

from __future__ import annotations

from dataclasses import replace

from mnist_cnn.config import Config


def config_from_hp(hp, base: Config = Config()) -> Config:
    """The search space: filters, dense units, dropout and learning rate, as a :class:`Config`.

    Args:
        hp: A ``keras_tuner.HyperParameters``.
        base: Values that are not searched (epochs, batch size, schedule, ...).
    """
    return replace(
        base,
        filters=(hp.Choice("filters_1", [16, 24, 32]), hp.Choice("filters_2", [32, 48, 64])),
        dense_units=hp.Choice("dense_units", [64, 128, 256]),
        dropout=hp.Float("dropout", 0.0, 0.5, step=0.1),
        learning_rate=hp.Float("learning_rate", 1e-3, 1e-2, sampling="log"),
    )


def make_hypermodel(base: Config = Config(), num_train: int = 54_000):
    """Return ``build(hp) -> compiled model`` for a KerasTuner tuner."""
    from mnist_cnn.model import build_model, compile_model

    def build(hp):
        config = config_from_hp(hp, base)
        return compile_model(build_model(config), config, num_train=num_train)

    return build


def search(x_train, y_train, x_val, y_val, base: Config = Config(), max_trials: int = 6,
           directory: str | None = None, seed: int = 0):
    """Random search on the validation set only; returns the tuner (see ``trials_table``).

    Args:
        x_train, y_train: Training images (n, 28, 28, 1) and one-hot labels.
        x_val, y_val: Validation images and one-hot labels: the only data scores are computed on.
        base: Fixed settings, e.g. ``epochs`` per trial.
        max_trials: How many configurations to try.
        directory: Where KerasTuner keeps its trial records (default: a new temporary folder,
            so a re-run never silently reuses old results).
        seed: The search's random seed.
    """
    import tempfile

    import keras_tuner

    tuner = keras_tuner.RandomSearch(
        make_hypermodel(base, num_train=len(x_train)), objective="val_accuracy",
        max_trials=max_trials, seed=seed, overwrite=True,
        directory=directory or tempfile.mkdtemp(prefix="tuner-"), project_name="mnist_cnn",
    )
    tuner.search(x_train, y_train, batch_size=base.batch_size, epochs=base.epochs,
                 validation_data=(x_val, y_val), verbose=0)
    return tuner


def trials_table(tuner):
    """The trials as a pandas DataFrame, best validation accuracy first."""
    import pandas as pd

    rows = []
    for trial in tuner.oracle.trials.values():
        row = dict(trial.hyperparameters.values)
        row["val_accuracy"] = trial.score
        rows.append(row)
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False).reset_index(drop=True)
