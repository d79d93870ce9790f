"""How many epochs notebook 01 trains: its exact recipe (seed 42, op determinism, batch 128, Adam with
warm-up + cosine decay to 0 over the run, validation_split=0.1) for 3, 4 and 5 epochs, with the fit
time, the validation accuracy and loss after each epoch and, for information only, the test accuracy.

    python benchmarks/recipe_search/tutorial_epochs.py 3 4 5

The decision is made on validation accuracy and on notebook 01's time budget (2 minutes on a 2-core
AVX2 CPU, for the whole notebook); tutorial_epochs.txt holds the run the choice was made on.
"""

import math
import os
import sys
import time

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from mnist_cnn import load_mnist  # noqa: E402


def main(epoch_counts: list[int]) -> None:
    (x, y), (xt, yt) = load_mnist(verbose=False)
    x = np.expand_dims(x.astype("float32") / 255, -1)
    yo = keras.utils.to_categorical(y, 10)
    xt = np.expand_dims(xt.astype("float32") / 255, -1)
    yto = keras.utils.to_categorical(yt, 10)
    tf.config.experimental.enable_op_determinism()
    for epochs in epoch_counts:
        keras.utils.set_random_seed(42)
        batch_size, learning_rate = 128, 3e-3
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(24, 5, use_bias=False), keras.layers.BatchNormalization(),
            keras.layers.ReLU(), keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, use_bias=False), keras.layers.BatchNormalization(),
            keras.layers.ReLU(), keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.25),
            keras.layers.Dense(10, activation="softmax")])
        num_train = int(len(x) * 0.9)
        total_steps = epochs * math.ceil(num_train / batch_size)
        warmup_steps = int(0.2 * total_steps)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=learning_rate / 10, warmup_target=learning_rate, warmup_steps=warmup_steps,
            decay_steps=total_steps - warmup_steps)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
                      loss="categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        h = model.fit(x, yo, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=0)
        seconds = time.perf_counter() - start
        print(f"epochs {epochs}: fit {seconds:.1f} s "
              f"val_acc {[round(a, 4) for a in h.history['val_accuracy']]} "
              f"val_loss {[round(a, 4) for a in h.history['val_loss']]} "
              f"test {model.evaluate(xt, yto, verbose=0)[1]:.4f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [3, 4, 5])
