"""mnist_cnn.plots: every plot returns a Figure with the expected axes and never shows it."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from mnist_cnn import plots
from mnist_cnn.data import preprocess


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("a plot called plt.show()"))
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before  # nothing left open in pyplot


def test_plot_samples(digits):
    fig = plots.plot_samples(*digits, n=12, ncols=6)
    assert isinstance(fig, Figure)
    titled = [ax.get_title() for ax in fig.axes if ax.images]
    assert len(titled) == 12 and all(t.isdigit() for t in titled)


def test_plot_class_balance(digits):
    fig = plots.plot_class_balance(digits[1], digits[1][:50])
    (ax,) = fig.axes
    assert len(ax.patches) == 20  # 10 bars for train, 10 for test


def test_plot_history_from_dict_and_rejects_garbage():
    h = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.6, 0.8],
         "val_accuracy": [0.5, 0.75]}
    fig = plots.plot_history(h)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert all(len(ax.lines) == 2 for ax in fig.axes)
    with pytest.raises(ValueError, match="no 'loss' key"):
        plots.plot_history({"acc": [1]})


def test_plot_confusion_matrix_is_a_heatmap_with_counts():
    cm = np.diag(np.full(10, 50))
    cm[4, 9] = 3
    fig = plots.plot_confusion_matrix(cm)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "true digit"
    labels = {t.get_text() for t in ax.texts}
    assert {"50", "3"} <= labels
    assert "503 of 503 correct" not in ax.get_title() and "500 of 503 correct" in ax.get_title()


def test_plot_predictions_marks_wrong_in_red(digits):
    x, y = preprocess(digits[0][:4]), digits[1][:4]
    probs = np.eye(10, dtype=np.float32)[y]
    probs[1] = np.eye(10)[(y[1] + 1) % 10]  # one wrong prediction
    fig = plots.plot_predictions(x, y, probs, [0, 1, 2, 3], ncols=4)
    colors = [ax.title.get_color() for ax in fig.axes if ax.images]
    assert colors.count(plots.WRONG_COLOR) == 1 and colors.count(plots.RIGHT_COLOR) == 3


def test_plot_learning_rate_draws_the_schedule():
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(1e-4, decay_steps=80, warmup_target=1e-3,
                                                      warmup_steps=20)
    fig = plots.plot_learning_rate(schedule, 100, steps_per_epoch=25)
    line = fig.axes[0].lines[0]
    rates = line.get_ydata()
    assert len(rates) == 100 and rates.argmax() == 20 and rates[0] == pytest.approx(1e-4)
    assert len(fig.axes[0].lines) == 1 + 3  # the curve and 3 epoch boundaries
    assert set(plots.plot_learning_rate(0.01, 5).axes[0].lines[0].get_ydata()) == {0.01}
    with pytest.raises(ValueError, match="total_steps must be >= 1"):
        plots.plot_learning_rate(0.01, 0)
