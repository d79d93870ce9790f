"""Time one variant of the ``fast`` recipe as the benchmark times it, and print its validation accuracy.

    python benchmarks/recipe_search/fast_timing.py VARIANT SEED      # one JSON line

The recipe itself (``mnist_cnn.recipes``: fused Adam, ``tf.data`` pipeline from the uint8 images,
bfloat16), with the VARIANT's changes; the clock runs from just before ``fit`` to the end of its
one epoch, like ``benchmark.py``'s. ``first`` is the time to the end of the first step (tracing).
Run each variant with seeds 0, 1, 2, alternating variants, on an otherwise idle machine: the
seconds are only comparable within one such series. Validation: MNIST's last 6,000 training images.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from dataclasses import replace

import keras

from mnist_cnn.data import load_mnist, preprocess
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.recipes import get_recipe
from mnist_cnn.train import fit_inputs, set_seed

VARIANTS = {  # changes to the recipe as it was before this series (batch 256, lr 0.01)
    "base": {"batch_size": 256, "learning_rate": 0.01},
    "b320": {"batch_size": 320, "learning_rate": 0.01},
    "b384": {"batch_size": 384, "learning_rate": 0.01},
    "b384lr13": {"batch_size": 384, "learning_rate": 0.013},
    "b320lr12": {"batch_size": 320, "learning_rate": 0.012},
    "b352lr12": {"batch_size": 352, "learning_rate": 0.012},
    "b384lr12": {"batch_size": 384, "learning_rate": 0.012},
}


class Clock(keras.callbacks.Callback):
    def __init__(self, start: float) -> None:
        super().__init__()
        self.start, self.first, self.end = start, None, None

    def on_train_batch_end(self, batch, logs=None):
        if self.first is None:
            self.first = time.perf_counter() - self.start

    def on_epoch_end(self, epoch, logs=None):
        self.end = time.perf_counter() - self.start


def main(variant: str, seed: int) -> None:
    config = replace(get_recipe("fast"), seed=seed, **VARIANTS[variant])
    (x_all, y_all), _ = load_mnist(verbose=False)
    x_val, y_val = preprocess(x_all[54_000:]), y_all[54_000:]
    set_seed(seed)
    model = compile_model(build_model(config), config, num_train=54_000)
    clock = Clock(time.perf_counter())
    model.fit(**fit_inputs(x_all[:54_000], y_all[:54_000], config), epochs=config.epochs, verbose=0,
              callbacks=[clock])
    val = float((model.predict(x_val, batch_size=2000, verbose=0).argmax(1) == y_val).mean())
    print(json.dumps({"variant": variant, "seed": seed, "s": round(clock.end, 3),
                      "first": round(clock.first, 3), "val": val}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
