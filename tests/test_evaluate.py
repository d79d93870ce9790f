"""mnist_cnn.evaluate: confusion matrix, report, mistakes."""

import numpy as np

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


def test_report_lists_every_digit():
    text = report(np.arange(10), np.arange(10))
    assert all(f"\n           {d} " in text for d in range(10))
    assert "accuracy" in text
