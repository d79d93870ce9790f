"""Checks for notebook 01: padding, a shift, no BatchNorm, a constant learning rate.

``exercise_1_K`` checks exercise 1.K; each returns a :class:`Feedback` and never raises for a
wrong answer.
"""

from __future__ import annotations

import keras
import numpy as np

from mnist_cnn.exercises.feedback import (
    Feedback,
    accuracy_of,
    as_number,
    failed,
    is_model,
    layers,
    passed,
    unanswered,
)

ORIGINAL_FLATTEN = 800  # notebook 01's model: 5x5x32 after pool2
ORIGINAL_DENSE_PARAMS = ORIGINAL_FLATTEN * 256 + 256


def exercise_1_1(model_same, flatten_units, dense_params) -> Feedback:
    """padding="same" in both Conv2D layers; the learner's predictions of the Flatten size and of
    the dense layer's parameter count."""
    if (feedback := unanswered(model_same, flatten_units, dense_params)
            or is_model(model_same, "model_same")):
        return feedback
    convs = layers(model_same, keras.layers.Conv2D)
    if len(convs) != 2:
        return failed(f"`model_same` has {len(convs)} Conv2D layers; copy notebook 01's model, "
                      "which has two.")
    for conv in convs:
        if conv.padding != "same":
            return failed(f"layer {conv.name!r} still has padding={conv.padding!r}: "
                          "add padding=\"same\" to it.")
    flatten = layers(model_same, keras.layers.Flatten)[0]
    units = int(flatten.output.shape[-1])
    if flatten_units != units:
        if flatten_units == ORIGINAL_FLATTEN:
            return failed("800 is the original model's Flatten size (5x5x32). With padding=\"same\" a "
                          "convolution keeps the size of its input: follow 28 -> conv1 -> pool1 -> conv2 "
                          "-> pool2.")
        return failed(f"flatten_units = {flatten_units} does not match the model: model_same.summary() shows "
                      "Flatten's output shape; multiply height x width x channels after pool2.")
    dense = layers(model_same, keras.layers.Dense)[0]
    params = dense.count_params()
    if dense_params == params - dense.units:
        return failed(f"you counted the weights ({units} x {dense.units}) but not the {dense.units} biases, "
                      "one per unit.")
    if dense_params != params:
        return failed(f"dense_params = {dense_params:,} does not match the model: a Dense layer has "
                      "inputs x units weights plus one bias per unit.")
    return passed(f"Flatten now gives {units:,} numbers and the dense layer has {params:,} parameters, "
                  f"{params / ORIGINAL_DENSE_PARAMS:.1f}x the original's {ORIGINAL_DENSE_PARAMS:,}: with the "
                  "borders kept, most of the model's weights sit in that one layer.")


def exercise_1_2(shifted_accuracy, model, x_val, y_val_onehot) -> Feedback:
    """Accuracy on the validation images moved two pixels to the right (np.roll along axis 2)."""
    if (feedback := unanswered(shifted_accuracy)):
        return feedback
    answer = as_number(shifted_accuracy, "shifted_accuracy")
    if isinstance(answer, Feedback):
        return answer
    right = accuracy_of(model, np.roll(x_val, 2, axis=2), y_val_onehot)
    if abs(answer - right) < 2e-3:
        clean = accuracy_of(model, x_val, y_val_onehot)
        return passed(f"{right:.1%} on digits moved 2 pixels right, against {clean:.1%} unshifted. "
                      "Convolution and pooling tolerate small shifts; Flatten and the dense layer tie "
                      "features to positions, so the shift still costs something.")
    for axis, what in [(1, "moved the digits down: axis 1 is the rows; axis 2 is the columns"),
                       (0, "moved whole images along the batch, so each image now has another image's "
                           "label: roll along axis 2, the columns")]:
        if abs(answer - accuracy_of(model, np.roll(x_val, 2, axis=axis), y_val_onehot)) < 2e-3:
            return failed(f"np.roll(..., axis={axis}) {what}.")
    if abs(answer - accuracy_of(model, x_val, y_val_onehot)) < 2e-3:
        return failed("that is the accuracy on the unshifted images: evaluate the model on x_shifted.")
    if abs(answer - accuracy_of(model, np.roll(x_val, -2, axis=2), y_val_onehot)) < 2e-3:
        return failed("that shift went left: np.roll(x, 2, axis=2) moves the pixels 2 columns to the right.")
    return failed("the number does not match the model's accuracy on x_val moved 2 pixels right: "
                  "use np.roll(x_val, 2, axis=2) and model.evaluate(x_shifted, y_val_onehot, verbose=0)[1].")


def exercise_1_3(model_no_bn) -> Feedback:
    """Notebook 01's model without BatchNormalization, its convolutions given their biases back."""
    if (feedback := unanswered(model_no_bn) or is_model(model_no_bn, "model_no_bn")):
        return feedback
    if (norms := layers(model_no_bn, keras.layers.BatchNormalization)):
        return failed(f"model_no_bn still has {', '.join(layer.name for layer in norms)}: delete the "
                      "BatchNormalization lines.")
    convs = layers(model_no_bn, keras.layers.Conv2D)
    if len(convs) != 2:
        return failed(f"model_no_bn has {len(convs)} Conv2D layers; notebook 01's model has two.")
    for conv in convs:
        if not conv.use_bias:
            return failed(f"{conv.name!r} has use_bias=False: BatchNorm's shift used to play the bias; "
                          "without it the convolution needs its own (use_bias=True).")
    if tuple(model_no_bn.input_shape) != (None, 28, 28, 1):
        return failed(f"the input shape is {model_no_bn.input_shape}; keep keras.Input(shape=(28, 28, 1)).")
    output = model_no_bn.layers[-1]
    if not isinstance(output, keras.layers.Dense) or output.units != 10:
        return failed("the last layer should stay Dense(10, activation=\"softmax\"): "
                      "one probability per digit.")
    return passed(f"no BatchNorm, biases back: {model_no_bn.count_params():,} parameters. Now compile it as "
                  "in section 5 and fit it as in section 6, and compare its curves with the ones above.")


def exercise_1_4(constant_history, epochs_needed, target) -> Feedback:
    """A constant learning rate: the first epoch whose validation accuracy reaches ``target``
    (notebook 01's final validation accuracy), counted from 1; None if it never does."""
    if (feedback := unanswered(constant_history, epochs_needed)):
        return feedback
    logs = getattr(constant_history, "history", None)
    if not isinstance(logs, dict):
        return failed("constant_history should be what model.fit(...) returns (a History).")
    if "val_accuracy" not in logs:
        return failed("this run has no validation figures: fit with validation_split=0.1, as in section 6.")
    optimizer = getattr(getattr(constant_history, "model", None), "optimizer", None)
    rate = getattr(optimizer, "_learning_rate", None)
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return failed("this run still used the schedule: compile with keras.optimizers.Adam(learning_rate="
                      "learning_rate), a plain number.")

    if logs.get("accuracy") and logs["accuracy"][0] >= target:
        return failed("this run started from trained weights (its first epoch already averages "
                      f"{logs['accuracy'][0]:.2%}): train a fresh copy, keras.models.clone_model(model).")

    def first_epoch(values):
        return next((epoch for epoch, v in enumerate(values, start=1) if v >= target), None)

    expected, val = first_epoch(logs["val_accuracy"]), logs["val_accuracy"]
    if epochs_needed == expected:
        reached = (f"in epoch {expected}" if expected
                   else f"in none of the {len(val)} epochs (best {max(val):.2%})")
        return passed(f"with a constant learning rate, validation accuracy reached {target:.2%} {reached}.")
    if expected is not None and epochs_needed == expected - 1:
        return failed(f"epochs count from 1: history index {expected - 1} is epoch {expected}.")
    if epochs_needed is not None and epochs_needed == first_epoch(logs.get("accuracy", [])):
        return failed(f"that is where *training* accuracy reached {target:.2%}: decide with val_accuracy.")
    if expected is None:
        return failed(f"validation accuracy never reached {target:.2%} in {len(val)} epochs "
                      f"(best {max(val):.2%}): "
                      "answer None, or train for more epochs.")
    return failed("look at history.history['val_accuracy']: the first epoch (counting from 1) at or above "
                  f"{target:.2%}.")
