"""mnist_cnn.evaluate: confusion matrix, report, mistakes."""

import numpy as np
import pytest

from mnist_cnn.evaluate import confident_mistakes, confusion, most_confused, report


def test_confusion_is_10x10_rows_true_columns_predicted():
    cm = confusion(np.array([1, 1, 2, 9]), np.array([1, 7, 2, 9]))
    assert cm.shape == (10, 10)
    assert cm[1, 7] == 1 and cm[1, 1] == 1 and cm.trace() == 3


def test_most_confused_orders_mistakes_and_drops_zero_counts():
    cm = np.zeros((10, 10), dtype=int)
    np.fill_diagonal(cm, 100)
    cm[4, 9], cm[7, 2], cm[3, 5] = 6, 3, 1
    assert most_confused(cm, k=5) == [(4, 9, 6), (7, 2, 3), (3, 5, 1)]


def test_confident_mistakes_surest_first():
    y_true = np.array([0, 1, 2, 3])
    probs = np.full((4, 10), 0.01, dtype=np.float32)
    probs[0, 0] = 0.9  # right
    probs[1, 5] = 0.6  # wrong, less sure
    probs[2, 7] = 0.95  # wrong, surest
    probs[3, 3] = 0.8  # right
    assert confident_mistakes(y_true, probs, k=10).tolist() == [2, 1]


def test_report_gives_precision_and_recall_per_digit():
    # digit 0: 2 images, one read as 1 -> recall 0.50; digit 1: 3 predicted, 2 right -> precision 0.67
    text = report(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert rows["0"] == ["1.0000", "0.5000", "0.6667", "2"]
    assert rows["1"] == ["0.6667", "1.0000", "0.8000", "2"]
    assert rows["accuracy"] == ["0.7500", "4"]
    assert all(str(d) in rows for d in range(10))  # every digit listed, even absent ones


def test_format_results_is_a_markdown_table():
    from mnist_cnn.evaluate import format_results

    row = {"model": "m", "validation": 0.992, "test": 0.99331, "test shifted/rotated": 0.7146,
           "params": 215362}
    lines = format_results([row]).splitlines()
    assert lines[0] == "| model | validation | test | test shifted/rotated | params |"
    assert lines[1] == "|---|---|---|---|---|"
    assert lines[2] == "| m | 99.20% | 99.33% | 71.46% | 215,362 |"


def test_transfer_summary_gives_mean_and_range_over_seeds():
    import pandas as pd

    from mnist_cnn.transfer import transfer_summary

    curve = pd.DataFrame({"labels_per_class": [10] * 4, "seed": [0, 1, 0, 1],
                          "mode": ["frozen", "frozen", "scratch", "scratch"],
                          "test_accuracy": [0.70, 0.80, 0.40, 0.50]})
    lines = transfer_summary(curve).splitlines()
    assert lines[0] == "| labels per class (2 seeds) | frozen | scratch |"
    assert lines[2] == "| 10 | 75.0 % [70.0–80.0] | 45.0 % [40.0–50.0] |"


def test_shift_images_moves_pixels_and_fills_with_background():
    from mnist_cnn.evaluate import shift_images

    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5, 1) + 1
    down_left = shift_images(x, 1, -2)
    assert down_left.shape == x.shape and down_left.dtype == x.dtype
    assert np.array_equal(down_left[:, 1:, :3], x[:, :3, 2:])
    assert not down_left[:, 0].any() and not down_left[:, :, 3:].any()
    assert not shift_images(x, 4, 0).any()  # moved entirely out of the frame


def test_shift_averaged_averages_the_image_and_its_four_one_pixel_moves():
    from mnist_cnn.evaluate import shift_averaged

    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 2, 2] = 1.0
    seen = []

    def predict(images):  # "probability" = where the lit pixel is, as a one-hot over 25 places
        seen.append(images[0, ..., 0].argmax())
        return images.reshape(len(images), -1)

    out = shift_averaged(predict, x, shift=1)
    assert sorted(seen) == [7, 11, 12, 13, 17]  # the centre and its four neighbours
    assert out.dtype == np.float32 and out[0].sum() == pytest.approx(1.0)
    assert out[0].max() == pytest.approx(0.2)
    assert np.array_equal(shift_averaged(predict, x, shift=0), x.reshape(1, -1))
    with pytest.raises(ValueError, match="shift must be >= 0"):
        shift_averaged(predict, x, shift=-1)
