"""mnist_cnn: the reusable code behind the MNIST CNN tutorial notebooks.

One module per stage: ``config``, ``data``, ``model``, ``train``, ``evaluate``, ``plots`` and
the command line in ``cli`` (``python -m mnist_cnn``). Importing the package has no side
effects: nothing is seeded, downloaded or printed.
"""

from mnist_cnn.config import Config
from mnist_cnn.data import (
    MnistDataError,
    class_counts,
    fetch_mnist,
    load_mnist,
    one_hot,
    preprocess,
)
from mnist_cnn.evaluate import (
    confident_mistakes,
    confusion,
    most_confused,
    predict_probabilities,
    report,
)
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.plots import (
    plot_class_balance,
    plot_confusion_matrix,
    plot_history,
    plot_predictions,
    plot_samples,
)
from mnist_cnn.train import set_seed, train

__version__ = "0.1.0"

__all__ = [
    "Config",
    "MnistDataError",
    "build_model",
    "class_counts",
    "compile_model",
    "confident_mistakes",
    "confusion",
    "fetch_mnist",
    "load_mnist",
    "most_confused",
    "one_hot",
    "plot_class_balance",
    "plot_confusion_matrix",
    "plot_history",
    "plot_predictions",
    "plot_samples",
    "predict_probabilities",
    "preprocess",
    "report",
    "set_seed",
    "train",
]
