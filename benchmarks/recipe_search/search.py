"""Recipe search behind mnist_cnn/recipes.py (issue 11): train each trial of a trials file on the
benchmark's 54,000 images and print its validation accuracy (MNIST's last 6,000 training images) per
seed, one JSON line per trial. Decisions are made on validation; `--test` adds test accuracy, reported once.

    python benchmarks/recipe_search/search.py benchmarks/recipe_search/fast_trials.txt
    ACC=1 python benchmarks/recipe_search/search.py benchmarks/recipe_search/accurate_trials.txt --test
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from dataclasses import replace

import keras
import numpy as np

from mnist_cnn.config import Config
from mnist_cnn.data import load_mnist, one_hot, preprocess
from mnist_cnn.evaluate import predict_probabilities
from mnist_cnn.model import build_model, learning_rate, steps_per_epoch
from mnist_cnn.train import set_seed

FAST = dict(filters=(24, 32), kernel_sizes=(5, 3), batch_norm=False, dense_units=256, dropout=0.0,
            learning_rate=0.01, adam_beta_1=0.7, batch_size=256, epochs=1, warmup_fraction=0.2)
BASE = {} if os.environ.get("ACC") else FAST  # ACC=1: trials start from the tutorial's Config()
(xtr, ytr), (xte, yte) = load_mnist(verbose=False)
x, y = preprocess(xtr), one_hot(ytr)
xt, yt = x[:54000], y[:54000]
xv, yv = x[54000:], ytr[54000:]
xtest = preprocess(xte)

def run(spec, seed, test=False):
    spec = dict(spec)
    beta2 = spec.pop("beta2", 0.9)
    ls = spec.pop("ls", 0.0)
    ema = spec.pop("ema", None)
    tta = spec.pop("tta", 0)  # score with test-time shift averaging (Config.shift_average)
    spec.pop("seeds", None)
    cfg = replace(Config(), **{**BASE, **spec}, seed=seed)
    set_seed(seed)
    m = build_model(cfg)
    total = steps_per_epoch(54000, cfg) * cfg.epochs
    m.compile(optimizer=keras.optimizers.Adam(learning_rate(cfg, total), beta_1=cfg.adam_beta_1, beta_2=beta2,
              **({"use_ema": True, "ema_momentum": ema} if ema else {})),
              loss=keras.losses.CategoricalCrossentropy(label_smoothing=ls), metrics=["accuracy"],
              steps_per_execution=cfg.steps_per_execution)
    t = time.perf_counter()
    m.fit(xt, yt, batch_size=cfg.batch_size, epochs=cfg.epochs, verbose=0, shuffle=True)
    dt = time.perf_counter() - t
    va = float((predict_probabilities(m, xv, 2000, shift=tta).argmax(1) == yv).mean())
    out = {"val": va, "s": round(dt, 1)}
    if test:
        out["test"] = float((predict_probabilities(m, xtest, 2000, shift=tta).argmax(1) == yte).mean())
    keras.backend.clear_session()
    return out

if __name__ == "__main__":
    test = "--test" in sys.argv
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, spec = line.split(" ", 1)
        spec = json.loads(spec)
        for k in ("filters", "kernel_sizes"):
            if k in spec:
                spec[k] = tuple(spec[k])
        res = [run(spec, s, test) for s in spec.get("seeds", range(3))]
        vals = [r["val"] for r in res]
        print(json.dumps({"trial": name, "spec": spec, "val": vals, "val_mean": float(np.mean(vals)),
                          "val_min": min(vals), "sec": [r["s"] for r in res],
                          **({"test": [r["test"] for r in res]} if test else {})}), flush=True)
