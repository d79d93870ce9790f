"""Grad-CAM heat maps: where in an image a CNN found the evidence for its answer (notebook 02 writes
the same steps out)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _layer(model, layer_name: str):
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"no layer named {layer_name!r}; layers: {names}")
    return model.get_layer(layer_name)


def upsample_heatmaps(cam) -> np.ndarray:
    """Grad-CAM maps (n, h, w) -> (n, 28, 28) float32, each scaled to [0, 1] (bilinear)."""
    cam = tf.image.resize(tf.convert_to_tensor(cam, tf.float32)[..., None], (28, 28),
                          method="bilinear")[..., 0].numpy()
    top = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    return (cam / np.where(top > 0, top, 1)).astype(np.float32)


def grad_cam(model, images: np.ndarray, layer_name: str = "relu2", classes=None) -> np.ndarray:
    """Grad-CAM: where in each image the evidence for a class is (Selvaraju et al., 2017).

    The gradient of the class's **logit** (its score before the softmax) with respect to
    ``layer_name``'s feature maps, averaged over positions, weights each map; their ReLU'd sum,
    upsampled to 28x28 and scaled to [0, 1], is the heat map. The logit is used rather than the
    probability because a confident softmax saturates: its gradient is then almost zero and
    mostly noise.

    Args:
        model: A trained Sequential CNN whose last layer is ``Dense(10, softmax)``.
        images: (n, 28, 28, 1) float32 in [0, 1].
        layer_name: A convolutional block's output (its ReLU).
        classes: Class per image to explain (default: the predicted class).

    Returns:
        (n, 28, 28) float32 heat maps in [0, 1].
    """
    last_conv = _layer(model, layer_name)
    conv_model = keras.Model(model.inputs[0], last_conv.output)  # the input -> the last conv block's maps
    head = model.layers[model.layers.index(last_conv) + 1:-1]  # pooling, flatten, dense, dropout
    output = model.layers[-1]
    x = tf.constant(np.asarray(images, np.float32))
    with tf.GradientTape() as tape:
        maps = conv_model(x, training=False)
        tape.watch(maps)
        features = maps
        for layer in head:
            features = layer(features, training=False)
        logits = tf.matmul(features, output.kernel) + output.bias
        chosen = tf.argmax(logits, axis=1) if classes is None else tf.constant(classes, tf.int64)
        score = tf.gather(logits, chosen, axis=1, batch_dims=1)
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    return upsample_heatmaps(tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)))
