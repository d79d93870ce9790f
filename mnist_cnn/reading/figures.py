"""Figures of the photo reader: each takes data and returns a ``matplotlib`` Figure (as
:mod:`mnist_cnn.plots` does for the lesson): the preparation steps of a photo, what the network
saw with its probabilities, and a number read digit by digit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.reading.images import load_grey

STEP_TITLES = {
    "greyscale": "1. greyscale photo",
    "ink": "2. inverted, paper removed",
    "lines removed": "2b. ruled lines removed",
    "digit": "3. digit kept (specks dropped)",
    "cropped": "4. cropped to the digit",
    "20x20": "5. scaled into 20x20",
    "28x28": "6. centred in 28x28",
}


def plot_preprocessing_steps(steps: Mapping[str, np.ndarray]) -> Figure:
    """Show the intermediate images of ``prepare_image(..., steps=steps)`` side by side."""
    names = [name for name in STEP_TITLES if name in steps]
    fig = Figure(figsize=(2.2 * len(names), 2.6))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        image = steps[name]
        ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{STEP_TITLES[name]}\n{image.shape[1]}x{image.shape[0]} px", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_probabilities(images: Sequence[np.ndarray], probabilities: np.ndarray,
                       titles: Sequence[str] | None = None) -> Figure:
    """For each 28x28 input, the image the model saw above a bar chart of its 10 probabilities."""
    n = len(images)
    fig = Figure(figsize=(1.9 * n, 3.6))
    axes = fig.subplots(2, n, squeeze=False, gridspec_kw={"height_ratios": [1.2, 1]})
    for i in range(n):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(images[i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        top.set_xticks([])
        top.set_yticks([])
        pred = int(np.argmax(probabilities[i]))
        top.set_title(titles[i] if titles else f"pred {pred} ({probabilities[i][pred]:.0%})", fontsize=8)
        colors = ["tab:blue"] * NUM_CLASSES
        colors[pred] = "tab:orange"
        bottom.bar(np.arange(NUM_CLASSES), probabilities[i], color=colors)
        bottom.set(ylim=(0, 1), xticks=range(NUM_CLASSES))
        bottom.tick_params(labelsize=7)
        if i:
            bottom.set_yticklabels([])
    fig.tight_layout()
    return fig


def plot_what_the_model_saw(steps: Mapping[str, np.ndarray], probabilities: np.ndarray) -> Figure:
    """The preparation steps of one photo (``prepare_image(..., steps=steps)``) in a row, and
    below them the 28x28 input with the model's 10 probabilities (``probabilities``: (10,))."""
    names = [name for name in STEP_TITLES if name in steps]
    fig = Figure(figsize=(max(8.0, 2.2 * len(names)), 5.4))
    grid = fig.add_gridspec(2, len(names), height_ratios=[1, 1])
    for i, name in enumerate(names):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(steps[name], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{STEP_TITLES[name]}\n{steps[name].shape[1]}x{steps[name].shape[0]} px", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    half = max(1, len(names) // 2)
    ax = fig.add_subplot(grid[1, :half])
    ax.imshow(steps["28x28"], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title("what the network was given (28x28)", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax = fig.add_subplot(grid[1, half:])
    pred = int(np.argmax(probabilities))
    colors = ["tab:blue"] * NUM_CLASSES
    colors[pred] = "tab:orange"
    ax.bar(np.arange(NUM_CLASSES), probabilities, color=colors)
    ax.set(ylim=(0, 1), xticks=range(NUM_CLASSES), xlabel="digit", ylabel="probability",
           title=f"answer: {pred} ({probabilities[pred]:.1%})")
    fig.tight_layout()
    return fig


def plot_number_reading(image, reading) -> Figure:
    """A photo of a number with a box around each digit found, and each digit's 28x28 input
    with its label and confidence (``reading``: a :class:`mnist_cnn.reading.numbers.NumberReading`;
    ``image``: the same path or array it was read from)."""
    grey, _ = load_grey(image)
    n = max(1, len(reading.digits))
    fig = Figure(figsize=(max(6.0, 1.4 * n), 5.0))
    grid = fig.add_gridspec(2, n, height_ratios=[2.2, 1])
    ax = fig.add_subplot(grid[0, :])
    ax.imshow(grey, cmap="gray", vmin=0, vmax=1)
    for d in reading.digits:
        x, y, w, h = d.box
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, color="tab:orange", linewidth=1.5))
    ax.set_title(f"read: {reading.text}", fontsize=10)
    ax.axis("off")
    for i, d in enumerate(reading.digits):
        sub = fig.add_subplot(grid[1, i])
        sub.imshow(d.image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        sub.set_title(f"{d.label} ({d.confidence:.0%})", fontsize=9)
        sub.axis("off")
    fig.tight_layout()
    return fig
