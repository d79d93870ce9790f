"""KerasTuner helper for notebook 02: the trials as a table. The ``build(hp)`` function, the search
and the retraining of the winner (``tuner.hypermodel.build(best_hp)``) are written out in the
notebook, where they are the lesson."""

from __future__ import annotations


def trials_table(tuner):
    """The trials as a pandas DataFrame, best validation accuracy first."""
    import pandas as pd

    rows = []
    for trial in tuner.oracle.trials.values():
        row = dict(trial.hyperparameters.values)
        row["val_accuracy"] = trial.score
        rows.append(row)
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False).reset_index(drop=True)
