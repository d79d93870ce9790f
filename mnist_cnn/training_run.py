"""A training run as the command line does it: train a recipe, test it, save the model and a JSON
record of the run, without ever losing a finished model."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mnist_cnn._files import atomic_path, check_writable
from mnist_cnn.config import Config
from mnist_cnn.data import load_mnist, one_hot, preprocess
from mnist_cnn.evaluate import predict_probabilities
from mnist_cnn.saving import save_model
from mnist_cnn.train import train


def check_outputs(output: str | os.PathLike, *, overwrite: bool = False) -> tuple[Path, Path]:
    """Check that the model file ``output`` and its ``.history.json`` can be written.

    Returns:
        ``(model path, history path)``.

    Raises:
        ValueError: one line: ``output`` does not end in ``.keras``, exists without
            ``overwrite``, or its folder cannot be written.
    """
    output = Path(output).expanduser()
    if output.suffix != ".keras":
        raise ValueError(f"--output {output}: a model file must end in .keras")
    history_path = output.with_suffix(".history.json")
    check_writable(output, overwrite=overwrite, what="--output")
    check_writable(history_path, overwrite=overwrite, what="history file")
    return output, history_path


def train_and_save(config: Config, output: str | os.PathLike, *, recipe: str = "custom",
                   overwrite: bool = False, verbose: int | str = 2, data=None,
                   trainer: Callable = train) -> dict:
    """Train ``config`` on MNIST, evaluate it on the test set, save the model and its history.

    The output path is checked *before* training, so a typo costs seconds, not the whole run.
    If saving still fails afterwards (disk full, folder removed), the model is saved to the
    temporary folder instead and the error says where: a finished training run is never lost.

    Args:
        config: The recipe to train.
        output: The ``.keras`` file to write; ``<output stem>.history.json`` is written beside it.
        recipe: The recipe's name, recorded in the history file.
        overwrite: Replace existing files.
        verbose: ``model.fit``'s verbosity.
        data: ``((x_train, y_train), (x_test, y_test))`` as ``load_mnist`` returns it (uint8);
            default: :func:`mnist_cnn.data.load_mnist`.
        trainer: ``train(x, y, config, verbose=...) -> (model, history)``; default
            :func:`mnist_cnn.train.train` (the photo recipe passes its own).

    Returns:
        The record written to the history file: recipe, config, history, train_seconds,
        test_accuracy, params, model and history paths (and test_accuracy_shift_averaged when
        ``config.shift_average`` is set).

    Raises:
        ValueError: ``output`` does not end in ``.keras`` or cannot be written (one line).
        OSError: Saving failed after training; the message names the rescue copy.
    """
    output, history_path = check_outputs(output, overwrite=overwrite)
    (x_train, y_train), (x_test, y_test) = data if data is not None else load_mnist()
    start = time.perf_counter()
    model, history = trainer(preprocess(x_train), y_train, config, verbose=verbose)
    seconds = time.perf_counter() - start
    x_test = preprocess(x_test)
    _, accuracy = model.evaluate(x_test, one_hot(y_test), batch_size=1000, verbose=0)
    record = {"recipe": recipe, "config": config.to_dict(), "history": history.history,
              "train_seconds": seconds, "test_accuracy": accuracy, "params": model.count_params(),
              "model": str(output), "history_file": str(history_path)}
    if config.shift_average:  # the recipe is scored with test-time shift averaging
        probs = predict_probabilities(model, x_test, shift=config.shift_average)
        record["test_accuracy_shift_averaged"] = float((probs.argmax(1) == y_test).mean())
    try:
        save_model(model, output, include_optimizer=False)  # what inference needs, ~1/3 the size
        with atomic_path(history_path) as tmp:
            Path(tmp).write_text(json.dumps(record, indent=1))
    except OSError as exc:
        rescue = Path(tempfile.mkdtemp(prefix="mnist_cnn-rescue-")) / output.name
        save_model(model, rescue, include_optimizer=False)
        rescue.with_suffix(".history.json").write_text(json.dumps(record, indent=1))
        raise OSError(f"could not save {output} ({exc.strerror or exc}); the trained model was "
                      f"saved to {rescue} instead") from None
    return record
