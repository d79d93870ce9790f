"""Silencing TensorFlow's chatter where it buries the one line a user needs to see: the one home
of that job (the command line, the exports, the notebooks and the benchmarks all use it)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings


@contextlib.contextmanager
def silenced():
    """Discard everything printed inside the block: Python's stdout/stderr, warnings, the
    ``tensorflow`` logger, and C++ output written straight to file descriptors 1 and 2 (TF's
    converters and interpreters print progress there). Exceptions still propagate."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    logger = logging.getLogger("tensorflow")
    level = logger.level
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras without their C++ start-up lines (oneDNN, absl), which
    TensorFlow 2.21 prints whatever TF_CPP_MIN_LOG_LEVEL says: a command line that promises one
    clear line per problem cannot have them. Import errors still surface normally."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with silenced():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.constant(0.0) + 1.0  # the second batch of start-up lines comes with the first op
