"""Looking inside a trained CNN: filters, feature maps and Grad-CAM heat maps."""

from __future__ import annotations

import numpy as np


def _upto(model, layer_name: str):
    import keras

    layers, found = [], False
    for layer in model.layers:
        layers.append(layer)
        if layer.name == layer_name:
            found = True
            break
    if not found:
        raise ValueError(f"no layer named {layer_name!r}; layers: {[layer.name for layer in model.layers]}")
    return keras.Sequential([keras.Input(model.input_shape[1:]), *layers])


def feature_maps(model, image: np.ndarray, layer_name: str = "relu1") -> np.ndarray:
    """The activations of ``layer_name`` for one image (28, 28[, 1]): (h, w, channels)."""
    sub = _upto(model, layer_name)
    return np.asarray(sub(np.asarray(image, np.float32).reshape(1, 28, 28, 1), training=False))[0]


def first_layer_filters(model) -> np.ndarray:
    """The first convolution's kernels as (filters, k, k) arrays."""
    conv = next(layer for layer in model.layers if layer.__class__.__name__ == "Conv2D")
    kernel = np.asarray(conv.get_weights()[0])  # (k, k, 1, filters)
    return np.moveaxis(kernel[:, :, 0, :], -1, 0)


def grad_cam(model, images: np.ndarray, layer_name: str = "relu2", classes=None) -> np.ndarray:
    """Grad-CAM: where in each image the evidence for a class is (Selvaraju et al., 2017).

    The gradient of the class score with respect to ``layer_name``'s feature maps, averaged over
    positions, weights each map; their ReLU'd sum, upsampled to 28x28 and scaled to [0, 1], is
    the heat map.

    Args:
        model: A trained Sequential CNN.
        images: (n, 28, 28, 1) float32 in [0, 1].
        layer_name: A convolutional block's output (its ReLU).
        classes: Class per image to explain (default: the predicted class).

    Returns:
        (n, 28, 28) float32 heat maps in [0, 1].
    """
    import keras
    import tensorflow as tf

    x = tf.constant(np.asarray(images, np.float32))
    lower = _upto(model, layer_name)
    idx = [layer.name for layer in model.layers].index(layer_name)
    upper = keras.Sequential([keras.Input(lower.output_shape[1:]), *model.layers[idx + 1:]])
    with tf.GradientTape() as tape:
        maps = lower(x, training=False)
        tape.watch(maps)
        probs = upper(maps, training=False)
        chosen = tf.argmax(probs, axis=1) if classes is None else tf.constant(classes, tf.int64)
        score = tf.gather(probs, chosen, axis=1, batch_dims=1)
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[..., None]
    cam = tf.image.resize(cam, (28, 28), method="bilinear")[..., 0].numpy()
    top = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    return (cam / np.where(top > 0, top, 1)).astype(np.float32)
