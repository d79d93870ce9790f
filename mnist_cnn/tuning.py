"""KerasTuner helpers for notebook 02: the search space as a :class:`Config` (to retrain the winner
with the tutorial's recipe) and the trials as a table. The ``build(hp)`` function and the search
call themselves are written out in the notebook, where they are the lesson."""

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


def trials_table(tuner):
    """The trials as a pandas DataFrame, best validation accuracy first."""
    import pandas as pd

    rows = []
    for trial in tuner.oracle.trials.values():
        row = dict(trial.hyperparameters.values)
        row["val_accuracy"] = trial.score
        rows.append(row)
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False).reset_index(drop=True)
