"""Speed on a CPU: bfloat16 where the CPU computes it natively, and a one-op Adam.

Used by the ``fast`` recipe (:mod:`mnist_cnn.recipes`) and the benchmark; the lesson's model does
not need any of it. :func:`as_float32` turns a bfloat16 model back into float32 for export.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import keras
import tensorflow as tf

# oneDNN's ISA caps (ONEDNN_MAX_CPU_ISA) under which it still has native bfloat16 kernels.
_BF16_ISAS = ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX10_1_512", "AVX10_2_512",
              "ALL", "DEFAULT")


@functools.cache
def compute_class() -> tuple[str, str]:
    """This machine's class for the recipes: ``("bfloat16", why)`` where bfloat16 compute pays off
    (a GPU is visible, or the CPU has native bfloat16 instructions, ``avx512_bf16`` or
    ``amx_bf16``, and oneDNN may use them), else ``("float32", why)``: CPUs without them (AVX2),
    or with oneDNN capped below them (``ONEDNN_MAX_CPU_ISA=AVX2`` makes an AVX-512 CPU act as an
    AVX2 one), where bfloat16 is emulated and slower than float32."""
    if tf.config.list_physical_devices("GPU"):
        return "bfloat16", "a GPU is visible"
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
    if not cap.startswith(_BF16_ISAS):
        return "float32", f"ONEDNN_MAX_CPU_ISA={cap} keeps oneDNN off native bfloat16"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no way to tell cheaply, so stay with float32
        flags = ""
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return "bfloat16", "the CPU has native bfloat16 (avx512_bf16 / amx_bf16)"
    return "float32", "this CPU has no native bfloat16 (avx512_bf16 / amx_bf16)"


def bfloat16_is_fast() -> bool:
    """Whether bfloat16 compute pays off here (:func:`compute_class`). Where it does not,
    :func:`build_model` ignores ``Config.mixed_precision`` and says so with a warning."""
    compute, why = compute_class()
    if compute == "float32":
        warnings.warn(f"mixed_precision: {why}, where bfloat16 is slower than float32; computing in "
                      "float32", stacklevel=3)
    return compute == "bfloat16"


def as_float32(model: keras.Model) -> keras.Model:
    """Return ``model`` itself if every layer computes in float32, else a float32 copy with the
    same weights (a mixed-precision model keeps its weights in float32, so nothing is lost).
    LiteRT cannot convert bfloat16 layers; :func:`mnist_cnn.export.export_tflite` uses this."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model

    def clone(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    return twin


@keras.saving.register_keras_serializable(package="mnist_cnn")
class FusedAdam(keras.optimizers.Adam):
    """Keras's Adam with each variable's update done by ONE TensorFlow op.

    Keras's ``Adam.update_step`` is written in ``keras.ops`` (about twenty small ops per variable:
    casts, powers, the two moment updates, the square root, the division); this one hands the same
    update to TensorFlow's ``ResourceApplyAdam`` kernel, which does it in one op per variable:

        m <- m + (g - m)(1 - beta_1);  v <- v + (g^2 - v)(1 - beta_2)
        w <- w - lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    the formula of Keras's Adam (``tests/test_model.py`` checks the two agree step for step). On a
    2-core CPU it shortens the ``fast`` recipe's epoch by about a tenth, since its model is small
    enough that the per-op overhead counts. Only for the TensorFlow backend, and without
    ``amsgrad``; everything else (schedules, weight decay, clipping) is Keras's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if keras.backend.backend() != "tensorflow" or self.amsgrad:
            raise ValueError("FusedAdam needs the TensorFlow backend and amsgrad=False; "
                             "use keras.optimizers.Adam instead")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype), use_locking=False)
