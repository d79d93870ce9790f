"""The notebooks' exercises: each has a check, a hint and a solution; every solution passes its check
(run here, so that a solution or a check that stops working fails the build); every check rejects
typical wrong answers with its own message.

**The switch that keeps this fast** (the one place the solutions run on less data): the solutions
run unchanged, with the notebooks' names (``x_train``, ``model``, ``history``, ``N_DIGITS`` ...)
bound to the smaller stand-ins of ``QUICK`` below: a model trained 2 epochs on 3,000 MNIST images
instead of notebook 01's 3 epochs on 54,000, 500 test images, 24 dev photos and 8 test photos.
Everything else in a solution (epochs, layers, formulas) is what the learner sees in the notebook.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import jupytext
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from mnist_cnn import Config, build_model, load_mnist, one_hot, preprocess
from mnist_cnn.exercises import feedback, notebook_01, notebook_02, notebook_03, notebook_04
from mnist_cnn.explain import upsample_heatmaps
from mnist_cnn.export import export_tflite
from mnist_cnn.plots import plot_grad_cam, plot_history
from mnist_cnn.quiet import silenced
from mnist_cnn.reading import MIN_CONFIDENCE
from mnist_cnn.reading.scoring import accuracy_table, evaluate_digits
from mnist_cnn.reading.shipped import load_shipped_model

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
CHECKS = {"01": notebook_01, "02": notebook_02, "03": notebook_03, "04": notebook_04}
QUICK = {"train_images": 3000, "test_images": 500, "epochs": 2, "photos": 24}


@dataclass
class Exercise:
    notebook: str   # "01"
    name: str       # "exercise_1_2"
    heading: str    # the markdown cell that poses it
    cell: str       # the learner's cell, with its `...`
    hint: str
    solution: str   # the code of the folded solution


def _exercises() -> list[Exercise]:
    found = []
    for source in SOURCES:
        cells = jupytext.read(source).cells
        for i, cell in enumerate(cells):
            calls = re.findall(r"^check\.(exercise_\d_\d)\(", cell.source, re.M)
            if cell.cell_type != "code" or not calls:
                continue
            after = cells[i + 1].source if i + 1 < len(cells) else ""
            hint = re.search(r"<details><summary>Hint</summary>(.*?)</details>", after, re.S)
            solution = re.search(r"<details><summary>Solution</summary>\s*```python\n(.*?)```", after, re.S)
            found.append(Exercise(source.stem[:2], calls[0], cells[i - 1].source, cell.source,
                                  hint.group(1).strip() if hint else "",
                                  solution.group(1) if solution else ""))
    return found


EXERCISES = _exercises()


def test_every_notebook_has_exercises_and_every_check_is_used_once():
    assert {e.notebook for e in EXERCISES} == {"01", "02", "03", "04"}
    names = [e.name for e in EXERCISES]
    assert len(names) == len(set(names)), names
    defined = {f"{n}:{name}" for n, module in CHECKS.items() for name in dir(module)
               if name.startswith("exercise_")}
    assert {f"{e.notebook}:{e.name}" for e in EXERCISES} == defined
    for e in EXERCISES:
        assert e.name.startswith(f"exercise_{int(e.notebook)}_"), e.name


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_each_exercise_has_a_time_a_hint_and_a_solution_that_runs_its_check(exercise):
    assert re.search(r"^### Exercise \d\.\d: .*\d+ minutes?", exercise.heading, re.M), exercise.heading
    assert exercise.hint, "no folded hint under the exercise"
    assert exercise.solution, "no folded ```python solution under the exercise"
    assert f"check.{exercise.name}(" in exercise.solution
    assert "..." in exercise.cell and "..." not in exercise.solution
    ast.parse(exercise.solution)


# ------------------------------------------------------------------ running the solutions

class Recorder:
    """Stands in for a notebook's ``check`` module and keeps every Feedback its checks return."""

    def __init__(self, module):
        self.module, self.feedback = module, []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            result = getattr(self.module, name)(*args, **kwargs)
            self.feedback.append(result)
            return result
        return call


@pytest.fixture(scope="module")
def lesson():
    """Notebook 01's names, on QUICK's smaller data (see the module docstring)."""
    (x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
    x_train, y_train = preprocess(x_train[:QUICK["train_images"]]), y_train[:QUICK["train_images"]]
    x_test, y_test = preprocess(x_test[:QUICK["test_images"]]), y_test[:QUICK["test_images"]]
    keras.utils.set_random_seed(0)
    model = build_model(replace(Config(), bn_momentum=0.9))  # running statistics that settle in 44 steps
    num_train = int(len(x_train) * 0.9)
    total_steps = QUICK["epochs"] * math.ceil(num_train / 128)
    schedule = keras.optimizers.schedules.CosineDecay(3e-4, total_steps - total_steps // 5,
                                                      warmup_target=3e-3, warmup_steps=total_steps // 5)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, one_hot(y_train), batch_size=128, epochs=QUICK["epochs"],
                        validation_split=0.1, verbose=0)
    return SimpleNamespace(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, model=model,
                           history=history, schedule=schedule, num_train=num_train)


def _names_01(lesson, tmp):
    return {"keras": keras, "np": np, "math": math, "plot_history": plot_history, "seed": 0,
            "x_train": lesson.x_train, "y_train_onehot": one_hot(lesson.y_train),
            "num_train": lesson.num_train,
            "model": lesson.model, "history": lesson.history, "schedule": lesson.schedule, "batch_size": 128,
            "epochs": QUICK["epochs"], "learning_rate": 3e-3}


def _names_02(lesson, tmp):
    model, x_test, y_test = lesson.model, lesson.x_test, lesson.y_test
    pred = model.predict(x_test, verbose=0).argmax(1)  # as notebook 02's sections 6 and 7 define them
    pick = np.concatenate([np.flatnonzero(pred == y_test)[:4], np.flatnonzero(pred != y_test)[:4]])
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    base = keras.Model(copy.inputs[0], copy.get_layer("flatten").output, name="conv_base")
    return {"keras": keras, "np": np, "tf": tf, "model": model, "x_test": x_test, "y_test": y_test,
            "pred": pred, "pick": pick, "base": base, "plot_grad_cam": plot_grad_cam,
            "upsample_heatmaps": upsample_heatmaps,
            "conv_model": keras.Model(model.inputs[0], model.get_layer("relu2").output),
            "head": [model.get_layer(n) for n in ("pool2", "flatten", "dense", "dropout")],
            "output_layer": model.get_layer("output")}


def _names_03(lesson, tmp):
    export_tflite(lesson.model, tmp / "model_int8.tflite", representative=lesson.x_train[:100])
    return {"np": np, "model": lesson.model, "x_test": lesson.x_test, "y_test": lesson.y_test, "folder": tmp,
            "probabilities": lesson.model.predict(lesson.x_test, verbose=0), "Interpreter": Interpreter,
            "silenced": silenced, "MIN_CONFIDENCE": MIN_CONFIDENCE}


def _names_04(lesson, tmp):
    model = load_shipped_model()
    return {"np": np, "model": model, "N_DIGITS": QUICK["photos"], "evaluate_digits": evaluate_digits,
            "accuracy_table": accuracy_table,
            "photo_results": evaluate_digits("test", 8, model=model)}  # exercise 4.2 needs only its "all" row


NAMES = {"01": _names_01, "02": _names_02, "03": _names_03, "04": _names_04}


@pytest.fixture(scope="module")
def solved(lesson, tmp_path_factory):
    """exercise name -> (the namespace after its solution ran, the Feedback of its cell and its
    solution); each notebook's names built once, each solution run once."""
    done, names = {}, {}
    def run(exercise: Exercise):
        if exercise.name not in done:
            if exercise.notebook not in names:
                folder = tmp_path_factory.mktemp(exercise.notebook)
                names[exercise.notebook] = NAMES[exercise.notebook](lesson, folder)
            recorder = Recorder(CHECKS[exercise.notebook])
            namespace = {**names[exercise.notebook], "check": recorder}
            exec(exercise.cell, namespace)       # the learner's cell as committed: "not answered yet"
            exec(exercise.solution, namespace)   # then the folded solution
            plt.close("all")
            done[exercise.name] = namespace, recorder.feedback
        return done[exercise.name]
    return run


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_the_solution_passes_its_check(exercise, solved):
    _, results = solved(exercise)
    assert results[0].ok is None and "not answered" in repr(results[0]).lower(), results[0]
    assert len(results) >= 2 and all(r.ok is True for r in results[1:]), results


# ------------------------------------------------------------------ wrong answers, each with its message

def _by_name(name: str) -> Exercise:
    return next(e for e in EXERCISES if e.name == name)


def _assert_rejects(result, *fragments):
    assert result.ok is False, result
    for fragment in fragments:
        assert fragment in result.message, (fragment, result.message)


def test_feedback_reads_as_a_verdict():
    assert repr(feedback.Feedback(True, "fine")) == "Correct: fine"
    assert repr(feedback.Feedback(False, "look here")) == "Not yet: look here"
    assert notebook_01.exercise_1_1(..., 1568, 401664).ok is None


@pytest.mark.slow
def test_exercise_1_1_rejects(solved, lesson):
    ns, _ = solved(_by_name("exercise_1_1"))
    _assert_rejects(notebook_01.exercise_1_1(lesson.model, 1568, 401664), "padding='valid'")
    _assert_rejects(notebook_01.exercise_1_1(ns["model_same"], 800, 401664), "800 is the original")
    _assert_rejects(notebook_01.exercise_1_1(ns["model_same"], 1568, 1568 * 256), "not the 256 biases")
    _assert_rejects(notebook_01.exercise_1_1("a model", 1568, 401664), "Keras model")


@pytest.mark.slow
def test_exercise_1_2_rejects(solved, lesson):
    ns, _ = solved(_by_name("exercise_1_2"))
    x_val, y_val, model = ns["x_val"], ns["y_val_onehot"], lesson.model
    down = model.evaluate(np.roll(x_val, 2, axis=1), y_val, verbose=0)[1]
    if abs(down - ns["shifted_accuracy"]) > 2e-3:  # the quick model may score a right and a down shift alike
        _assert_rejects(notebook_01.exercise_1_2(down, model, x_val, y_val), "axis 1 is the rows")
    batch = model.evaluate(np.roll(x_val, 2, axis=0), y_val, verbose=0)
    _assert_rejects(notebook_01.exercise_1_2(batch[1], model, x_val, y_val), "along the batch")
    _assert_rejects(notebook_01.exercise_1_2(batch, model, x_val, y_val), "take element [1]")
    _assert_rejects(notebook_01.exercise_1_2(97.0, model, x_val, y_val), "fraction")


@pytest.mark.slow
def test_exercise_1_3_rejects(solved):
    ns, _ = solved(_by_name("exercise_1_3"))
    _assert_rejects(notebook_01.exercise_1_3(build_model(Config())), "still has bn1, bn2")
    no_bias = keras.Sequential([layer.__class__.from_config({**layer.get_config(), "use_bias": False})
                                if isinstance(layer, keras.layers.Conv2D) else layer.__class__.from_config(
                                    layer.get_config()) for layer in ns["model_no_bn"].layers])
    no_bias.build((None, 28, 28, 1))
    _assert_rejects(notebook_01.exercise_1_3(no_bias), "use_bias=False")


def _history(val, train=None):
    return SimpleNamespace(history={"val_accuracy": val, "accuracy": train or val}, model=None)


def test_exercise_1_4_rejects_without_training():
    history = _history([0.95, 0.97, 0.985, 0.99], train=[0.9, 0.985, 0.99, 0.995])
    assert notebook_01.exercise_1_4(history, 3, 0.985).ok is True
    _assert_rejects(notebook_01.exercise_1_4(history, 2, 0.985), "epochs count from 1")
    slow_val = _history([0.95, 0.97, 0.98, 0.985], train=[0.98, 0.99, 0.99, 0.99])
    _assert_rejects(notebook_01.exercise_1_4(slow_val, 2, 0.985), "*training* accuracy")
    _assert_rejects(notebook_01.exercise_1_4(_history([0.99, 0.99], [0.99, 0.995]), 1, 0.985),
                    "started from trained weights")
    _assert_rejects(notebook_01.exercise_1_4(_history([0.95, 0.96]), 2, 0.985), "never reached")
    assert notebook_01.exercise_1_4(_history([0.95, 0.96]), None, 0.985).ok is True
    _assert_rejects(notebook_01.exercise_1_4(SimpleNamespace(history={"accuracy": [0.9]}), 1, 0.9),
                    "validation_split")


@pytest.mark.slow
def test_exercise_1_4_rejects_a_run_with_the_schedule(lesson):
    _assert_rejects(notebook_01.exercise_1_4(lesson.history, 1, 0.5), "still used the schedule")


@pytest.mark.slow
def test_exercise_2_1_rejects(solved, lesson):
    ns, _ = solved(_by_name("exercise_2_1"))
    model, x = lesson.model, lesson.x_test

    def maps_of(layer):
        return keras.Model(model.inputs[0], model.get_layer(layer).output)(x[:1], training=False).numpy()
    _assert_rejects(notebook_02.exercise_2_1(maps_of("relu1"), model, x), "relu1")
    _assert_rejects(notebook_02.exercise_2_1(maps_of("conv2"), model, x), "negative values")
    _assert_rejects(notebook_02.exercise_2_1(maps_of("pool2"), model, x), "after pool2")
    _assert_rejects(notebook_02.exercise_2_1(ns["maps"][0], model, x), "no batch axis")


@pytest.mark.slow
def test_exercise_2_2_rejects(solved):
    ns, _ = solved(_by_name("exercise_2_2"))
    small, right = ns["small_transfer"], ns["trainable_params"]
    _assert_rejects(notebook_02.exercise_2_2(small, small.count_params()), "frozen base too")
    _assert_rejects(notebook_02.exercise_2_2(small, 800 * 32 + 32 * 10), "biases")
    ns["base"].trainable = True
    try:
        _assert_rejects(notebook_02.exercise_2_2(small, right), "base.trainable = False")
    finally:
        ns["base"].trainable = False


@pytest.mark.slow
def test_exercise_2_3_rejects(solved, lesson):
    ns, _ = solved(_by_name("exercise_2_3"))
    images, labels = lesson.x_test[ns["pick"]], lesson.y_test[ns["pick"]]
    assert (ns["pred"][ns["pick"]] != labels).any(), "the quick model makes no mistake to explain"
    with tf.GradientTape() as tape:  # the section 6 cell, unchanged: the predicted digit
        conv_maps = ns["conv_model"](images, training=False)
        tape.watch(conv_maps)
        features = conv_maps
        for layer in ns["head"]:
            features = layer(features, training=False)
        logits = features @ ns["output_layer"].kernel + ns["output_layer"].bias
        score = tf.gather(logits, ns["pred"][ns["pick"]], axis=1, batch_dims=1)
    weighted = tf.reduce_sum(tf.reduce_mean(tape.gradient(score, conv_maps), axis=(1, 2), keepdims=True)
                             * conv_maps, axis=-1)
    _assert_rejects(notebook_02.exercise_2_3(tf.nn.relu(weighted), lesson.model, images, labels),
                    "maps for the predicted digit")
    _assert_rejects(notebook_02.exercise_2_3(weighted - 1, lesson.model, images, labels), "negative values")


@pytest.mark.slow
def test_exercise_3_1_rejects(solved):
    ns, _ = solved(_by_name("exercise_3_1"))
    path, x, y, right = ns["folder"] / "model_int8.tflite", ns["x_test"][:1000], ns["y_test"][:1000], \
        ns["int8_accuracy"]
    _assert_rejects(notebook_03.exercise_3_1(right * 100, path, x, y), "fraction")
    _assert_rejects(notebook_03.exercise_3_1(1 - right, path, x, y), "share of mistakes")
    _assert_rejects(notebook_03.exercise_3_1([0.1, right], path, x, y), "one number")


def test_exercise_3_2_rejects():
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.55, 0.45], [0.2, 0.8], [0.95, 0.05]])
    labels = np.array([0, 0, 0, 1, 1])
    assert MIN_CONFIDENCE == 0.6  # the numbers below are worked out for it
    assert notebook_03.exercise_3_2(0.2, 0.5, probabilities, labels).ok is True  # 4 answered, 2 right
    _assert_rejects(notebook_03.exercise_3_2(0.8, 0.5, probabilities, labels), "*gets* an answer")
    _assert_rejects(notebook_03.exercise_3_2(0.2, 0.6, probabilities, labels), "accuracy on all images")
    _assert_rejects(notebook_03.exercise_3_2(20, 0.5, probabilities, labels), "fraction")


def _results(rows):
    """Photo results (conditions, correct) with the given (paper, n, right) counts."""
    out = []
    for paper, n, right in rows:
        out += [({"paper": paper}, i < right) for i in range(n)]
    return out


def test_exercise_4_1_rejects():
    results = _results([("plain", 20, 19), ("ruled", 12, 8), ("grey", 4, 1)])
    assert notebook_04.exercise_4_1(("paper", "ruled"), results).ok is True
    _assert_rejects(notebook_04.exercise_4_1(("paper", "grey"), results), "too few")
    _assert_rejects(notebook_04.exercise_4_1(("paper", "plain"), results), "scores lower")
    _assert_rejects(notebook_04.exercise_4_1(("all", ""), results), "not a row")
    _assert_rejects(notebook_04.exercise_4_1("ruled", results), "a pair")


def test_exercise_4_2_rejects():
    accuracy, n = 0.9, 100
    half = 1.96 * math.sqrt(accuracy * (1 - accuracy) / n)
    _assert_rejects(notebook_04.exercise_4_2(accuracy - half, accuracy + half, accuracy, n), "Wald")
    _assert_rejects(notebook_04.exercise_4_2(82.6, 94.5, accuracy, n), "fractions")
    _assert_rejects(notebook_04.exercise_4_2(0.945, 0.826, accuracy, n), "swap")
