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
import tensorflow as tf

from mnist_cnn.data import load_mnist, preprocess
from mnist_cnn.model import build_model, compile_model
from mnist_cnn.recipes import RECIPES
from mnist_cnn.speed import bfloat16_is_fast
from mnist_cnn.train import fit_inputs, set_seed

VARIANTS = {  # changes to the recipe as it was before this series (batch 256, lr 0.01)
    "base": {"batch_size": 256, "learning_rate": 0.01},
    "b320": {"batch_size": 320, "learning_rate": 0.01},
    "b384": {"batch_size": 384, "learning_rate": 0.01},
    "b384lr13": {"batch_size": 384, "learning_rate": 0.013},
    "b320lr12": {"batch_size": 320, "learning_rate": 0.012},
    "b352lr12": {"batch_size": 352, "learning_rate": 0.012},
    "b384lr12": {"batch_size": 384, "learning_rate": 0.012},
    # Session 13: the float32 path (CPUs without AVX-512 BF16; on this AVX-512 machine run with
    # ONEDNN_MAX_CPU_ISA=AVX2, where mixed_precision falls back to float32).
    "recipe": {},
    "numpy": {"input_pipeline": "numpy"},
    "k3": {"kernel_sizes": (3, 3)},
    "f12": {"filters": (12, 24), "kernel_sizes": (3, 3)},
    "f8": {"filters": (8, 32)},
    "b512": {"batch_size": 512, "learning_rate": 0.015},
    "spe8": {"steps_per_execution": 8},
    "spe32": {"steps_per_execution": 32},
    "spe64": {"steps_per_execution": 64},
    "f16x24": {"filters": (16, 24)},
    "f12x32": {"filters": (12, 32)},
    "f12x24": {"filters": (12, 24)},
    "f16x20": {"filters": (16, 20)},
    "f16x24b384": {"filters": (16, 24), "batch_size": 384, "learning_rate": 0.013},
    "f16x24spe32": {"filters": (16, 24), "steps_per_execution": 32},
    "f16x24spe32fp32": {"filters": (16, 24), "steps_per_execution": 32, "mixed_precision": False},
    "f16x24d192": {"filters": (16, 24), "dense_units": 192},
    "d128": {"dense_units": 128},
    "d0": {"dense_units": 0},
    "b448lr14": {"batch_size": 448, "learning_rate": 0.014},
    "spe169": {"steps_per_execution": 169},
    "spe32light": {"steps_per_execution": 32, "grappler": {
        "constant_folding": False, "arithmetic_optimization": False, "dependency_optimization": False,
        "loop_optimization": False, "function_optimization": False, "debug_stripper": False,
        "shape_optimization": False}},
    "nograppler": {"grappler": {"disable_meta_optimizer": True}},
    "lightgrappler": {"grappler": {"constant_folding": False, "arithmetic_optimization": False,
                                   "dependency_optimization": False, "loop_optimization": False,
                                   "function_optimization": False, "debug_stripper": False,
                                   "shape_optimization": False}},
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
    changes = dict(VARIANTS[variant])
    if "grappler" in changes:  # TensorFlow's graph optimiser options (not a Config field)
        tf.config.optimizer.set_experimental_options(changes.pop("grappler"))
    config = replace(RECIPES["fast"], seed=seed, **changes)  # the bfloat16 recipe (float32 where capped)
    (x_all, y_all), _ = load_mnist(verbose=False)
    x_val, y_val = preprocess(x_all[54_000:]), y_all[54_000:]
    set_seed(seed)
    model = compile_model(build_model(config), config, num_train=54_000)
    clock = Clock(time.perf_counter())
    model.fit(**fit_inputs(x_all[:54_000], y_all[:54_000], config), epochs=config.epochs, verbose=0,
              callbacks=[clock])
    val = float((model.predict(x_val, batch_size=2000, verbose=0).argmax(1) == y_val).mean())
    print(json.dumps({"variant": variant, "seed": seed, "isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "native"),
                      "bfloat16": bfloat16_is_fast(), "s": round(clock.end, 3),
                      "first": round(clock.first, 3), "val": val}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
