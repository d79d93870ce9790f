"""Figures for the tutorial. Every function takes data and returns a ``matplotlib`` Figure.

Nothing here calls ``plt.show()`` or saves a file: a notebook displays the returned figure, a
script saves it with ``fig.savefig(...)``. Figures are made with ``matplotlib.figure.Figure``
rather than ``pyplot``, so a notebook shows each one exactly once and nothing piles up in
pyplot's list of open figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from mnist_cnn.config import NUM_CLASSES

WRONG_COLOR = "tab:red"
RIGHT_COLOR = "tab:green"


def _image_grid(
    n: int, ncols: int, size: float = 1.3, title_height: float = 0.25
) -> tuple[Figure, np.ndarray]:
    nrows = max(1, int(np.ceil(n / ncols)))
    fig = Figure(figsize=(ncols * size, nrows * (size + title_height) + 0.4))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes.flat


def _show_digit(ax: Axes, image: np.ndarray) -> None:
    """Draw a digit as dark ink on white paper (MNIST stores ink as 255 on a 0 background)."""
    ax.imshow(np.asarray(image).reshape(28, 28), cmap="gray_r", interpolation="nearest")


def plot_samples(
    x: np.ndarray, y: np.ndarray, n: int = 30, ncols: int = 10, seed: int = 0
) -> Figure:
    """Show ``n`` random images with their labels.

    Args:
        x: Images, (N, 28, 28) or (N, 28, 28, 1), any numeric dtype.
        y: Integer labels, shape (N,).
        n: How many images to show.
        ncols: Images per row.
        seed: Which random images (same seed, same grid).
    """
    idx = np.random.default_rng(seed).choice(len(x), size=min(n, len(x)), replace=False)
    fig, axes = _image_grid(len(idx), ncols)
    for ax, i in zip(axes, idx):
        _show_digit(ax, x[i])
        ax.set_title(f"{int(y[i])}", fontsize=10)
    fig.suptitle("Random training images and their labels")
    fig.tight_layout()
    return fig


def plot_class_balance(y_train: np.ndarray, y_test: np.ndarray) -> Figure:
    """Bar chart of the share of each digit in the training and test labels."""
    fig = Figure(figsize=(8, 3))
    ax = fig.subplots()
    digits = np.arange(NUM_CLASSES)
    for offset, (name, y) in zip((-0.2, 0.2), (("train", y_train), ("test", y_test))):
        share = np.bincount(np.asarray(y, np.int64), minlength=NUM_CLASSES) / len(y) * 100
        ax.bar(digits + offset, share, width=0.4, label=f"{name} ({len(y):,} images)")
    ax.axhline(100 / NUM_CLASSES, color="gray", linestyle="--", linewidth=1, label="perfect balance")
    ax.set(xticks=digits, xlabel="digit", ylabel="% of images", title="Class balance")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]] | object) -> Figure:
    """Plot training vs validation loss and accuracy per epoch.

    Args:
        history: A ``keras.callbacks.History`` (what ``model.fit`` returns) or its ``.history``
            dict, with keys ``loss``, ``accuracy`` and optionally ``val_loss``, ``val_accuracy``.
    """
    h = getattr(history, "history", history)
    if "loss" not in h:
        raise ValueError("history has no 'loss' key: pass what model.fit(...) returned")
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig = Figure(figsize=(10, 3.6))
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        if metric not in h:
            ax.set_visible(False)
            continue
        ax.plot(epochs, h[metric], "o-", label="training")
        if f"val_{metric}" in h:
            ax.plot(epochs, h[f"val_{metric}"], "s-", label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize(), xticks=epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_learning_rate(schedule, total_steps: int, steps_per_epoch: int | None = None) -> Figure:
    """Plot a learning rate against the training step.

    Args:
        schedule: A ``keras.optimizers.schedules.LearningRateSchedule`` (or any callable
            ``step -> learning rate``), or a constant float.
        total_steps: Number of gradient steps in the run (> 0).
        steps_per_epoch: If given, epoch boundaries are marked with dotted lines.
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps}")
    steps = np.arange(total_steps)
    if callable(schedule):
        rates = np.array([float(schedule(int(s))) for s in steps])
    else:
        rates = np.full(total_steps, float(schedule))
    fig = Figure(figsize=(6, 2.8))
    ax = fig.subplots()
    ax.plot(steps, rates)
    if steps_per_epoch:
        for boundary in range(steps_per_epoch, total_steps, steps_per_epoch):
            ax.axvline(boundary, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="training step", ylabel="learning rate", title="Learning rate during training")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm: np.ndarray, ax: Axes | None = None) -> Figure:
    """Draw a confusion matrix as a seaborn heatmap (rows true digit, columns predicted).

    The colour scale is logarithmic so that the rare mistakes stay visible next to the
    ~1,000 correct predictions on the diagonal; each cell shows its count.
    """
    cm = np.asarray(cm)
    if ax is None:
        fig = Figure(figsize=(7, 6))
        ax = fig.subplots()
    else:
        fig = ax.figure
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", norm=LogNorm(vmin=1, vmax=max(cm.max(), 2)),
                mask=cm == 0, cbar_kws={"label": "count (log scale)"}, linewidths=0.5,
                linecolor="lightgray", square=True, ax=ax, annot_kws={"fontsize": 8})
    ax.set(xlabel="predicted digit", ylabel="true digit",
           title=f"Confusion matrix ({int(np.trace(cm)):,} of {int(cm.sum()):,} correct)")
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    return fig


def plot_predictions(
    x: np.ndarray,
    y_true: np.ndarray,
    probs: np.ndarray,
    indices: Sequence[int] | np.ndarray,
    ncols: int = 8,
    title: str = "Predictions",
) -> Figure:
    """Show images with "predicted (confidence) / true" titles; wrong ones in red.

    Args:
        x: Images, (N, 28, 28) or (N, 28, 28, 1).
        y_true: True labels, (N,).
        probs: Predicted probabilities, (N, 10).
        indices: Which images to show.
        ncols: Images per row.
        title: Figure title.
    """
    indices = np.asarray(indices, dtype=np.int64)
    fig, axes = _image_grid(max(len(indices), 1), ncols, size=1.5, title_height=0.6)
    for ax, i in zip(axes, indices):
        pred = int(np.argmax(probs[i]))
        ok = pred == int(y_true[i])
        _show_digit(ax, x[i])
        ax.set_title(f"pred {pred} ({probs[i, pred]:.0%})\ntrue {int(y_true[i])}", fontsize=8,
                     color=RIGHT_COLOR if ok else WRONG_COLOR)
        if not ok:
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set(color=WRONG_COLOR, linewidth=2.5)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_rows(rows: Sequence[np.ndarray], row_titles: Sequence[str], title: str = "",
                    cmap: str = "gray_r") -> Figure:
    """A grid of images: one row per entry of ``rows`` (each (n, h, w) or (n, h, w, 1))."""
    ncols = max(len(r) for r in rows)
    fig = Figure(figsize=(1.2 * ncols + 1.2, 1.3 * len(rows) + 0.5))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    for r, (images, name) in enumerate(zip(rows, row_titles)):
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                img = np.asarray(images[c])
                ax.imshow(img.reshape(img.shape[:2]), cmap=cmap, interpolation="nearest")
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_grad_cam(images: np.ndarray, heatmaps: np.ndarray, y_true: np.ndarray,
                  y_pred: np.ndarray) -> Figure:
    """Each image with its Grad-CAM heat map laid over it; wrong predictions titled in red."""
    n = len(images)
    fig = Figure(figsize=(1.6 * n, 2.0))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, img, heat, t, p in zip(axes, images, heatmaps, y_true, y_pred):
        ax.imshow(np.asarray(img).reshape(28, 28), cmap="gray_r")
        ax.imshow(heat, cmap="jet", alpha=0.45, vmin=0, vmax=1)
        ax.set_title(f"pred {int(p)} / true {int(t)}", fontsize=8,
                     color=RIGHT_COLOR if int(p) == int(t) else WRONG_COLOR)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_learning_curve(table, x: str = "labels_per_class", y: str = "test_accuracy",
                        group: str = "mode") -> Figure:
    """Accuracy against the number of labels per class, one line per ``group`` (a DataFrame).

    With several rows per point (several seeds) the line is their mean and a shaded band spans
    their minimum to maximum.
    """
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for name, part in table.groupby(group, sort=False):
        stats = part.groupby(x)[y].agg(["mean", "min", "max"]) * 100
        ax.plot(stats.index, stats["mean"], "o-", label=str(name))
        if (stats["max"] > stats["min"]).any():
            ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.2)
    ax.set(xscale="log", xlabel="labelled examples per class (log scale)",
           ylabel="test accuracy (%)", title="Transfer learning to Fashion-MNIST")
    ax.set_xticks(sorted(table[x].unique()), [str(v) for v in sorted(table[x].unique())])
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
