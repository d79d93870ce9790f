"""Checks for notebook 04 (appendix): the hardest photo condition on dev photos, the Wilson interval.

``exercise_4_K`` checks exercise 4.K; each returns a :class:`Feedback` and never raises for a
wrong answer.
"""

from __future__ import annotations

import numpy as np

from mnist_cnn.exercises.feedback import Feedback, failed, passed, unanswered
from mnist_cnn.reading.scoring import accuracy_table, interval


def exercise_4_1(hardest, results, min_photos: int = 10) -> Feedback:
    """The (condition, value) with the lowest accuracy among rows of ``accuracy_table(results)``
    with at least ``min_photos`` photos."""
    if (feedback := unanswered(hardest)):
        return feedback
    rows = [row for row in accuracy_table(results) if row[0] != "all"]
    counted = {(k, v): (n, a) for k, v, n, a in rows}
    if not isinstance(hardest, tuple) or len(hardest) != 2:
        return failed("hardest should be a pair like (\"paper\", \"ruled grey\"): a condition and its value.")
    if hardest not in counted:
        return failed(f"{hardest} is not a row of the table: copy the condition and value as printed.")
    n, accuracy = counted[hardest]
    if n < min_photos:
        return failed(f"{hardest} has only {n} photos, too few to call it hardest: choose among the rows "
                      f"with at least {min_photos}.")
    lowest = min(a for k, v, n, a in rows if n >= min_photos)  # hardest itself has >= min_photos
    if accuracy > lowest:
        return failed(f"{hardest} scores {accuracy:.0%}; another row with at least {min_photos} photos "
                      "scores lower.")
    low, high = interval(accuracy, n)
    return passed(f"{hardest}: {accuracy:.0%} of {n} photos, 95 % interval {low:.0%}-{high:.0%}; check "
                  "whether that interval overlaps the \"all\" row's before calling it a real weakness.")


def exercise_4_2(low, high, accuracy, n) -> Feedback:
    """The 95 % Wilson interval of ``accuracy`` measured on ``n`` photos, computed by hand."""
    if (feedback := unanswered(low, high)):
        return feedback
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        return failed("low and high should be numbers (fractions between 0 and 1).")
    if high > 1 or low > 1:
        return failed("give the bounds as fractions between 0 and 1, not percentages.")
    if low > high:
        return failed("low is above high: swap them.")
    right = interval(accuracy, n)
    if np.allclose((low, high), right, atol=1e-4):
        return passed(f"{accuracy:.1%} of {n} photos: the true accuracy is likely between {right[0]:.1%} and "
                      f"{right[1]:.1%}.")
    half = 1.96 * np.sqrt(accuracy * (1 - accuracy) / n)
    if np.allclose((low, high), (accuracy - half, accuracy + half), atol=1e-4):
        return failed("that is the normal-approximation (Wald) interval, centred on the accuracy. Wilson's "
                      "centre moves towards 1/2 by z^2/(2n): follow the hint's formula.")
    return failed("the bounds do not match Wilson's interval: check z = 1.96 and the hint's formula.")
