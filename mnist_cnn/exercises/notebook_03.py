"""Checks for notebook 03: the int8 export's accuracy, the "not sure" rule.

``exercise_3_K`` checks exercise 3.K; each returns a :class:`Feedback` and never raises for a
wrong answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist_cnn.exercises.feedback import Feedback, as_number, failed, passed, unanswered
from mnist_cnn.export import tflite_predict_fn
from mnist_cnn.reading import MIN_CONFIDENCE


def exercise_3_1(int8_accuracy, tflite_path, images, labels) -> Feedback:
    """The int8 LiteRT model's accuracy on ``images``, run through LiteRT's Interpreter."""
    if (feedback := unanswered(int8_accuracy)):
        return feedback
    answer = as_number(int8_accuracy, "int8_accuracy")
    if isinstance(answer, Feedback):
        return answer
    predict = tflite_predict_fn(Path(tflite_path))  # one image per call, as the learner's loop does
    right = float((predict(images).argmax(1) == np.asarray(labels)).mean())
    if abs(answer - right) < 1e-6:
        return passed(f"the int8 model reads {right:.1%} of these {len(labels):,} images correctly.")
    if abs(answer - (1 - right)) < 1e-6:
        return failed("that is the share of mistakes: accuracy is the share of right answers.")
    return failed(f"the int8 model's accuracy on these {len(labels):,} images is not {answer:g}: compare "
                  "each output's argmax with its label, and average.")


def exercise_3_2(unsure_share, confident_accuracy, probabilities, labels) -> Feedback:
    """MIN_CONFIDENCE on the test set: the share answered "not sure" (top probability below it), and
    the accuracy on the images that do get an answer."""
    if (feedback := unanswered(unsure_share, confident_accuracy)):
        return feedback
    for value, name in [(unsure_share, "unsure_share"), (confident_accuracy, "confident_accuracy")]:
        if isinstance(checked := as_number(value, name), Feedback):
            return checked
    confidence = np.asarray(probabilities).max(axis=1)
    correct = np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)
    sure = confidence >= MIN_CONFIDENCE
    if not sure.any():
        return failed(f"no image reaches MIN_CONFIDENCE ({MIN_CONFIDENCE}) here, so no accuracy among "
                      "answered images can be measured: is `probabilities` the model's softmax output?")
    share, accuracy = float(1 - sure.mean()), float(correct[sure].mean())
    if abs(unsure_share - (1 - share)) < 1e-6 and share != 0.5:
        return failed("that is the share that *gets* an answer: \"not sure\" is a top probability below "
                      "MIN_CONFIDENCE.")
    if abs(unsure_share - share) > 1e-6:
        return failed(f"unsure_share: count the images whose top probability is below MIN_CONFIDENCE "
                      f"({MIN_CONFIDENCE}), divided by all images.")
    if abs(confident_accuracy - float(correct.mean())) < 1e-6 and accuracy != correct.mean():
        return failed("that is the accuracy on all images: keep only those with a top probability of at "
                      "least MIN_CONFIDENCE.")
    if abs(confident_accuracy - accuracy) > 1e-6:
        return failed("confident_accuracy: among the images the rule answers, the share read correctly.")
    return passed(f"the rule says \"not sure\" to {share:.2%} of the test images and is right on "
                  f"{accuracy:.2%} of the rest (against {correct.mean():.2%} on all).")
