"""mnist_cnn: the reusable code behind the MNIST CNN tutorial notebooks.

One module per stage: ``config``, ``data``, ``model``, ``train``, ``evaluate``, ``plots``,
``recipes`` and the command line in ``cli`` (``python -m mnist_cnn``). Importing the package has
no side effects: nothing is seeded, downloaded or printed, and TensorFlow, Keras and matplotlib
are only imported when a function that needs them is first used (so the command line starts fast).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "config": ["Config"],
    "data": ["MnistDataError", "class_counts", "fetch_mnist", "load_mnist", "one_hot", "preprocess"],
    "evaluate": ["confident_mistakes", "confusion", "most_confused", "predict_probabilities", "report"],
    "model": ["build_model", "compile_model"],
    "plots": ["plot_class_balance", "plot_confusion_matrix", "plot_history", "plot_predictions",
              "plot_samples"],
    "train": ["set_seed", "train"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Import the module that defines ``name`` on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'mnist_cnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mnist_cnn.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
