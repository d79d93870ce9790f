"""Checks for notebook 02: feature maps, a transfer head, Grad-CAM for the true digit.

``exercise_2_K`` checks exercise 2.K; each returns a :class:`Feedback` and never raises for a
wrong answer.
"""

from __future__ import annotations

import keras
import numpy as np

from mnist_cnn.exercises.feedback import Feedback, failed, is_model, layers, passed, unanswered
from mnist_cnn.explain import grad_cam, upsample_heatmaps


def exercise_2_1(maps, model, images) -> Feedback:
    """The feature maps of layer relu2 for ``images[:1]`` (shape (1, 10, 10, 32))."""
    if (feedback := unanswered(maps)):
        return feedback
    maps = np.asarray(maps)
    expected = keras.Model(model.inputs[0], model.get_layer("relu2").output)(images[:1], training=False)
    expected = np.asarray(expected)
    if maps.ndim == 3:
        return failed(f"maps has shape {maps.shape}, no batch axis: call the sub-model on x_test[:1] "
                      "(a batch of one) and keep its answer whole, without [0] after the call.")
    if maps.shape[1:3] == (5, 5):
        return failed("5x5 maps come after pool2: build the sub-model up to relu2's output.")
    if maps.shape[1:3] == (24, 24):
        return failed("24x24 maps are the first block's (relu1): take relu2, the second block's.")
    if maps.shape != expected.shape:
        return failed(f"maps has shape {maps.shape}; relu2's output for one image has shape "
                      f"{expected.shape}.")
    if (maps < 0).any():
        return failed("your maps have negative values, so they come from before the ReLU (conv2 or bn2): "
                      "take relu2's output.")
    if not np.allclose(maps, expected, atol=1e-4):
        return failed("the shape is right but the values differ: call the sub-model with training=False on "
                      "the first test image, x_test[:1].")
    return passed(f"relu2 gives {expected.shape[-1]} maps of 10x10; {(expected == 0).mean():.0%} of their "
                  "values "
                  "are exactly 0 (the ReLU): each filter answers in a few places only.")


def exercise_2_2(small_transfer, trainable_params) -> Feedback:
    """A transfer model: the frozen conv base, then Dense(32, relu) and Dense(10, softmax) (no
    Dropout); ``trainable_params`` the learner's count of the weights fit() will change."""
    if (feedback := unanswered(small_transfer, trainable_params)
            or is_model(small_transfer, "small_transfer")):
        return feedback
    bases = [layer for layer in small_transfer.layers if isinstance(layer, keras.Model)]
    if not bases:
        return failed("small_transfer should contain the conv base: features = base(inputs).")
    if any(layer.trainable_weights for layer in bases):
        return failed("the base still has trainable weights: set base.trainable = False before you fit.")
    dense = layers(small_transfer, keras.layers.Dense)
    if layers(small_transfer, keras.layers.Dropout):
        return failed("the head still has a Dropout layer: this exercise's head has none.")
    if [d.units for d in dense] != [32, 10]:
        return failed(f"the head's Dense layers have {[d.units for d in dense]} units; the exercise asks for "
                      "[32, 10].")
    trainable = sum(int(np.prod(w.shape)) for w in small_transfer.trainable_weights)
    total = small_transfer.count_params()
    if trainable_params == total:
        return failed(f"{total:,} counts the frozen base too: only the head's weights are trainable.")
    if trainable_params == trainable - sum(d.units for d in dense):
        return failed("you counted the weights but not the biases: one per unit in each Dense layer.")
    if trainable_params != trainable:
        return failed("count each Dense layer's inputs x units weights plus one bias per unit; the base "
                      "hands the head 800 numbers.")
    return passed(f"fit() changes {trainable:,} of the model's {total:,} parameters "
                  f"({trainable / total:.0%}): "
                  "few enough to learn from a few labels.")


def exercise_2_3(cam_true, model, images, labels) -> Feedback:
    """Grad-CAM maps (n, h, w), before upsampling, for each image's **true** label."""
    if (feedback := unanswered(cam_true)):
        return feedback
    cam_true = np.asarray(cam_true, np.float32)
    if cam_true.ndim != 3 or len(cam_true) != len(images):
        return failed(f"cam_true has shape {cam_true.shape}; expected one 10x10 map per image, "
                      f"({len(images)}, 10, 10).")
    if (cam_true < 0).any():
        return failed("the maps have negative values: Grad-CAM keeps the positive evidence (tf.nn.relu).")
    mine = upsample_heatmaps(cam_true)
    if np.allclose(mine, grad_cam(model, images, classes=np.asarray(labels)), atol=1e-3):
        return passed("these maps show where the evidence for the *true* digit lies; compare them with the "
                      "maps for the predicted digit above.")
    if np.allclose(mine, grad_cam(model, images), atol=1e-3):
        return failed("these are the maps for the predicted digit: gather the logits at the true labels "
                      "(y_test[pick]) instead of pred[pick].")
    return failed("the maps differ from Grad-CAM for the true labels: change only the `score` line of "
                  "the Grad-CAM cell.")
