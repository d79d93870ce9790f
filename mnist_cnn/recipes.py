"""Named training recipes, compared by ``benchmarks/benchmark.py``.

- ``keras_example``: the keras.io "Simple MNIST convnet" (34,826 parameters, Adam defaults,
  batch 128, 15 epochs), the reference every other recipe is measured against.
- ``tutorial``: the notebook's recipe, :class:`~mnist_cnn.config.Config`'s defaults.
- ``fast``: the shortest way to 99.0 % found on a 2-core CPU: ONE epoch of the tutorial's
  layers without BatchNorm or dropout and with 16 filters in the first convolution (conv
  5x5x16 -> pool -> conv 3x3x32 -> pool -> dense 256), computing in bfloat16
  (``mixed_precision``: about 1.4x faster on CPUs with AVX-512 BF16, slower on others),
  Adam(0.012, beta=(0.7, 0.9)) with 20 % warm-up then cosine, batches of 320, label smoothing
  0.15 (chosen on the validation split: benchmarks/recipe_search/), and its batches gathered
  from the uint8 images held in TensorFlow variables (``input_pipeline="tf.data"``: about 1 s
  less start-up than NumPy arrays handed to ``fit``), and Adam's update done in one op per
  variable (``fused_adam``: the same formula, about a tenth less time per epoch). On CPUs
  without native bfloat16 (AVX2) ``get_recipe`` gives its float32 variant (:data:`FLOAT32_RECIPES`).
- ``accurate``: the most accurate recipe that trains in no more time than ``keras_example``:
  the tutorial's layers (24 and 32 filters) without BatchNorm (about 7 s an epoch on 2 CPU cores
  against 10-12 s with it), +-2 px shift augmentation, dropout 0.3, label smoothing 0.1, 18
  epochs, and scored with test-time shift averaging (``shift_average=1``: each prediction
  averaged with those of the image moved 1 px up, down, left and right). Chosen on the
  validation split: benchmarks/recipe_search/.
The photo reader's ``small`` recipe (the shipped ensemble's) is in
:mod:`mnist_cnn.reading.photo_model`; the command line offers it beside these.
"""

from __future__ import annotations

from dataclasses import replace

from mnist_cnn.config import Config

RECIPES: dict[str, Config] = {
    "keras_example": Config(
        filters=(32, 64), kernel_sizes=(3, 3), batch_norm=False, dense_units=0, dropout=0.5,
        learning_rate=1e-3, lr_schedule="constant", batch_size=128, epochs=15,
    ),
    "tutorial": Config(),
    "fast": replace(Config(), filters=(16, 32), batch_norm=False, dropout=0.0, batch_size=320,
                    learning_rate=1.2e-2, adam_beta_1=0.7, adam_beta_2=0.9, label_smoothing=0.15, epochs=1,
                    mixed_precision=True, input_pipeline="tf.data", fused_adam=True),
    "accurate": replace(Config(), batch_norm=False, augment_shift=2, epochs=18, dropout=0.3,
                        label_smoothing=0.1, shift_average=1),
}


# Where a recipe differs on CPUs without native bfloat16 (the "float32" class of
# speed.compute_class: AVX2). ``fast`` there: 24 filters in the second convolution instead of 32
# (validation 99.12-99.18 % on seeds 0-2) and 32 steps per call into the graph (same weights),
# about 13 % less time than the bfloat16 recipe computed in float32; chosen on the validation
# split with ONEDNN_MAX_CPU_ISA=AVX2 (benchmarks/recipe_search/fast_trials.txt, session 13).
FLOAT32_RECIPES: dict[str, Config] = {
    "fast": replace(RECIPES["fast"], filters=(16, 24), steps_per_execution=32, mixed_precision=False),
}


def get_recipe(name: str, compute: str | None = None) -> Config:
    """Return the :class:`Config` of recipe ``name``; a clear error lists the valid names.

    Args:
        name: A key of :data:`RECIPES`.
        compute: ``"bfloat16"`` or ``"float32"``: the CPU class whose variant to return (they differ
            only for the recipes in :data:`FLOAT32_RECIPES`); default: this machine's
            (:func:`mnist_cnn.speed.compute_class`).
    """
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}")
    if compute not in (None, "bfloat16", "float32"):
        raise ValueError(f"unknown compute class {compute!r}; choose 'bfloat16' or 'float32'")
    if name in FLOAT32_RECIPES:
        if compute is None:
            from mnist_cnn.speed import compute_class

            compute = compute_class()[0]
        if compute == "float32":
            return FLOAT32_RECIPES[name]
    return RECIPES[name]
