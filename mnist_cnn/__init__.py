"""mnist_cnn: the code behind the MNIST CNN tutorial, in two parts with their own doors.

The lesson's core, one module per job (notebooks 01-03 and the command line):

- ``config``       ``Config``: every knob of the lesson's model and training run
- ``data``         MNIST, fetched through PyPI and verified; ``preprocess``, ``one_hot``
- ``model``        the CNN as a Keras ``Sequential`` (``build_model``) and how it is compiled
- ``train``        seeding and a one-call ``train``
- ``evaluate``     predictions, confusion matrix, report, mistakes, shifted test images
- ``plots``        the lesson's figures (each returns a matplotlib Figure)
- ``recipes``      named training recipes (``tutorial``, ``keras_example``, ``fast``, ``accurate``)
- ``speed``        CPU speed tricks of the ``fast`` recipe: bfloat16 where native, a one-op Adam
- ``tuning``       the KerasTuner trials as a table (notebook 02)
- ``transfer``     transfer learning with few labels (notebook 02)
- ``explain``      Grad-CAM heat maps (notebook 02 writes the same steps out)
- ``fashion``      Fashion-MNIST, verified (notebook 02)
- ``saving``       saving and loading ``.keras`` files safely
- ``export``       SavedModel and LiteRT (float32, int8) exports, with a size/accuracy/latency table
- ``training_run`` a training run as the command line does it: train, test, save, record
- ``quiet``        silencing TensorFlow's start-up and progress lines
- ``cli``          ``python -m mnist_cnn`` (fetch-data, train, evaluate, predict, export, demo)

The photo reader, ``mnist_cnn.reading`` (its own docstring lists its modules), reads digits in
photos of real handwriting and serves the draw-a-digit demo. The core never imports it; only the
command line, the front door of both, does (checked by ``lint-imports``, see ``pyproject.toml``).

The exercises' checks, ``mnist_cnn.exercises`` (one module per notebook, ``notebook_01`` ...), are a
second wing: the notebooks import them in their exercise sections; the core never does.

Import policy: a module imports what it uses at its top. Two places import late, on purpose:
``cli.py`` (each command imports what it needs when it runs, so ``python -m mnist_cnn --help``
answers at once without loading TensorFlow, and TensorFlow is first imported with its start-up
lines silenced) and this file (the names below are resolved on first use, so ``import
mnist_cnn`` is instant). Optional dependencies are imported inside the function that needs them
(``ai_edge_litert``, ``pandas``, ``gradio``). Keras is imported late in three light modules the
command line loads before TensorFlow: ``data`` and ``fashion`` (Keras's own download route, used
only off this project's machines) and ``saving`` (``load_model``; the command line imports its
``ModelError`` at start). Importing the package has no
side effects: nothing is seeded, downloaded or printed.
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
