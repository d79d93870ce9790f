"""All the knobs of a training run in one frozen dataclass.

Change a value with :func:`dataclasses.replace`, never by mutating::

    from dataclasses import replace
    config = replace(Config(), epochs=5)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28, 1)


@dataclass(frozen=True)
class Config:
    """Hyper-parameters of the tutorial's CNN and of its training run.

    The defaults are exactly notebook 01's model and training run (the ``tutorial`` recipe): a
    two-block CNN with batch normalisation, trained for 3 epochs with Adam under a linear
    warm-up + cosine-decay learning rate (a test checks that the notebook's written-out model
    equals ``build_model(Config())``). Other recipes are in :mod:`mnist_cnn.recipes`; the photo
    model's extra knobs are in :class:`mnist_cnn.reading.photo_model.PhotoConfig`.

    Attributes:
        seed: Seed for Python, NumPy and TensorFlow (see :func:`mnist_cnn.set_seed`).
        filters: Number of filters of each convolution block, in order.
        kernel_sizes: Kernel size of each convolution block (same length as ``filters``).
        batch_norm: Put a BatchNormalization layer after each convolution.
        bn_momentum: Momentum of BatchNormalization's running mean and variance (used at
            inference). Keras's default 0.99 averages over ~100 steps; short runs need less.
        dense_units: Width of the hidden fully connected layer (0: no hidden layer, the
            flattened features go straight to the output, as in the keras.io example).
        dropout: Dropout rate before the output layer (0 disables it).
        augment_shift: Data augmentation: shift each training image by up to this many pixels
            in each direction (a RandomTranslation layer inside the model; off at inference).
            0 disables it.
        augment_rotation: Also rotate training images by up to this many degrees (0: off).
        augment_zoom: Also zoom training images in or out by up to this fraction (0: off).
        learning_rate: Peak learning rate of Adam.
        lr_schedule: ``"onecycle"`` (linear warm-up from a tenth of ``learning_rate``, then
            cosine decay to 0) or ``"constant"``.
        warmup_fraction: Fraction of all training steps spent warming the learning rate up.
        adam_beta_1: Adam's first-moment decay (momentum).
        adam_beta_2: Adam's second-moment decay (Keras's default 0.999; one-epoch runs like 0.9).
        fused_adam: Do Adam's update of each variable in one TensorFlow op
            (:class:`mnist_cnn.speed.FusedAdam`: the same formula as ``keras.optimizers.Adam``,
            about a tenth less time per epoch for the small ``fast`` model on 2 CPU cores).
        label_smoothing: Train against targets mixed with this much of the uniform distribution
            (0: plain one-hot; 0.1 is common).
        batch_size: Images per gradient step.
        steps_per_execution: Gradient steps Keras runs per call into TensorFlow's graph (more
            means less Python overhead per step; results are identical).
        mixed_precision: Compute in bfloat16 with float32 weights (Keras's ``"mixed_bfloat16"``
            dtype policy; the output layer stays float32). About 1.4x faster training on CPUs
            with AVX-512 BF16 or AMX (``avx512_bf16`` / ``amx_bf16`` in ``/proc/cpuinfo``) and on
            GPUs; on other CPUs bfloat16 would be slower, so the model stays float32 there (with
            a warning; see ``speed.bfloat16_is_fast``). Exports are float32 either way.
        input_pipeline: How ``fit`` gets the training images: ``"numpy"`` (the arrays handed to
            ``model.fit``, as the notebooks do) or ``"tf.data"`` (copied once into TensorFlow
            variables, uint8 images kept as uint8, shuffled batches gathered from them; about 1 s
            less start-up on the full training set, see :func:`mnist_cnn.train.fit_inputs`).
        epochs: Passes over the training set.
        validation_split: Fraction of the training set held out for validation (taken from
            the end, like ``model.fit(validation_split=...)``).
        shift_average: How the recipe is scored: average each test prediction with those of
            the image moved this many pixels up, down, left and right (test-time augmentation,
            five predictions per image; 0: one plain prediction). Training is unchanged.
    """

    seed: int = 42
    filters: tuple[int, ...] = (24, 32)
    kernel_sizes: tuple[int, ...] = (5, 3)
    batch_norm: bool = True
    bn_momentum: float = 0.99
    dense_units: int = 256
    dropout: float = 0.25
    augment_shift: int = 0
    augment_rotation: float = 0.0
    augment_zoom: float = 0.0
    learning_rate: float = 3e-3
    lr_schedule: str = "onecycle"
    warmup_fraction: float = 0.2
    adam_beta_1: float = 0.9
    adam_beta_2: float = 0.999
    fused_adam: bool = False
    label_smoothing: float = 0.0
    batch_size: int = 128
    steps_per_execution: int = 1
    mixed_precision: bool = False
    input_pipeline: str = "numpy"
    epochs: int = 3  # benchmarks/recipe_search/tutorial_epochs.txt
    validation_split: float = 0.1
    shift_average: int = 0

    def __post_init__(self) -> None:
        problems = []
        if len(self.filters) == 0 or len(self.filters) != len(self.kernel_sizes):
            problems.append("filters and kernel_sizes must be non-empty and the same length")
        if any(f < 1 for f in self.filters) or any(k < 1 for k in self.kernel_sizes):
            problems.append("filters and kernel_sizes must be positive")
        if not 0.0 <= self.bn_momentum < 1.0:
            problems.append(f"bn_momentum must be in [0, 1), got {self.bn_momentum}")
        if self.dense_units < 0:
            problems.append(f"dense_units must be >= 0, got {self.dense_units}")
        if self.augment_shift < 0 or self.augment_rotation < 0 or not 0 <= self.augment_zoom < 1:
            problems.append("augment_shift and augment_rotation must be >= 0 and augment_zoom in [0, 1)")
        if not 0.0 <= self.dropout < 1.0:
            problems.append(f"dropout must be in [0, 1), got {self.dropout}")
        if self.learning_rate <= 0:
            problems.append(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.lr_schedule not in ("onecycle", "constant"):
            problems.append(f"lr_schedule must be 'onecycle' or 'constant', got {self.lr_schedule!r}")
        if not 0.0 <= self.warmup_fraction < 1.0:
            problems.append(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if not (0.0 <= self.adam_beta_1 < 1.0 and 0.0 <= self.adam_beta_2 < 1.0):
            problems.append(f"adam_beta_1 and adam_beta_2 must be in [0, 1), got {self.adam_beta_1}, "
                            f"{self.adam_beta_2}")
        if not 0.0 <= self.label_smoothing < 1.0:
            problems.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.steps_per_execution < 1:
            problems.append(f"steps_per_execution must be >= 1, got {self.steps_per_execution}")
        if self.input_pipeline not in ("numpy", "tf.data"):
            problems.append(f"input_pipeline must be 'numpy' or 'tf.data', got {self.input_pipeline!r}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if self.epochs < 1:
            problems.append(f"epochs must be >= 1, got {self.epochs}")
        if self.shift_average < 0:
            problems.append(f"shift_average must be >= 0, got {self.shift_average}")
        if not 0.0 <= self.validation_split < 1.0:
            problems.append(f"validation_split must be in [0, 1), got {self.validation_split}")
        if problems:
            raise ValueError("invalid Config: " + "; ".join(problems))

    def to_dict(self) -> dict:
        """Return the configuration as a JSON-friendly dict."""
        return asdict(self)
