"""The notebooks: jupytext pairs that agree, committed with a real run's outputs, the tutorial's
Keras model equal to the package's, and the README's figures taken from the committed outputs."""

import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
sys.path.insert(0, str(ROOT / "scripts"))


def committed(relative: str) -> str:
    """The file as committed (``git show HEAD:...``), so that a learner's own ``make tutorial``
    run, which rewrites the notebooks with their machine's timings, does not fail the README
    checks; the working copy where there is no git history (an unpacked archive)."""
    try:
        return subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return (ROOT / relative).read_text()


def stream_text(notebook: str) -> str:
    """All stdout/stderr text of the committed notebook's outputs."""
    nb = json.loads(committed(f"notebooks/{notebook}"))
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c["outputs"] if o.get("output_type") == "stream")


def test_every_notebook_has_a_source():
    assert [p.stem for p in SOURCES] == ["01_mnist_cnn", "02_improving_the_model", "03_using_the_model",
                                         "04_reading_real_photos", "05_common_mistakes"]
    assert all(p.with_suffix(".ipynb").is_file() for p in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_agrees(source):
    notebook = jupytext.read(source.with_suffix(".ipynb"))
    notebook.metadata["jupytext"] = {"notebook_metadata_filter": "-all", "cell_metadata_filter": "tags,-all"}
    assert jupytext.writes(notebook, "py:percent") == source.read_text(), (
        f"{source.name} and its .ipynb differ: run `make sync` (and `make tutorial` for outputs)")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_after_a_full_run(source):
    nb = json.loads(source.with_suffix(".ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert None not in counts and counts == sorted(counts), "run `make tutorial`"
    assert any(c["outputs"] for c in code)
    for cell in code:
        assert "execution" not in cell.get("metadata", {}), "run scripts/clean_notebooks.py"
        for out in cell["outputs"]:
            assert out.get("output_type") != "error", "".join(cell["source"])
    kinds = [c["cell_type"] for c in nb["cells"]]
    for i, kind in enumerate(kinds):  # prose before every code cell (or a pair of related cells)
        if kind == "code":
            assert kinds[i - 1] == "markdown" or kinds[i - 2:i] == ["markdown", "code"], i


def _cell(source: Path, marker: str) -> str:
    cells = [c.source for c in jupytext.read(source).cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"expected one cell with {marker!r} in {source.name}"
    return cells[0]


def _layers(model):
    return [(layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
            for layer in model.layers]


def test_notebook_01_model_is_build_model():
    import keras

    from mnist_cnn.config import Config
    from mnist_cnn.model import build_model

    code = _cell(SOURCES[0], "keras.Sequential(").replace("model.summary()", "")
    namespace = {"keras": keras}
    exec(code, namespace)  # noqa: S102 - our own notebook's cell
    notebook_model = namespace["model"]
    assert _layers(notebook_model) == _layers(build_model(Config()))
    assert notebook_model.count_params() == build_model(Config()).count_params() == 215_362


def test_notebook_01_schedule_is_the_packages():
    import keras
    import numpy as np

    from mnist_cnn.config import Config
    from mnist_cnn.model import learning_rate

    code = _cell(SOURCES[0], "CosineDecay(").split("model.compile(")[0]
    namespace = {"keras": keras, "math": __import__("math"), "x_train": np.zeros((60000, 1)),
                 "epochs": Config().epochs, "batch_size": Config().batch_size,
                 "learning_rate": Config().learning_rate}
    exec(code, namespace)  # noqa: S102
    ours = learning_rate(Config(), namespace["total_steps"])
    for step in (0, 100, namespace["warmup_steps"], 1500, namespace["total_steps"] - 1):
        assert float(namespace["schedule"](step)) == pytest.approx(float(ours(step)), rel=1e-6)


def test_repo_url_is_consistent_everywhere():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "repo_url.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_notebook_01_committed_run_reaches_99_2_percent():
    """The check that notebook 01 once printed in a cell of its own: its test accuracy."""
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", stream_text("01_mnist_cnn.ipynb")).group(1))
    assert accuracy >= 99.2


def test_notebooks_use_nbval_tags_not_comments():
    for source in SOURCES:
        assert "NBVAL_" not in source.read_text(), (
            f"{source.name}: use a cell tag, e.g. # %% tags=[\"nbval-ignore-output\"]")
    tags = {tag for source in SOURCES for cell in jupytext.read(source.with_suffix(".ipynb")).cells
            for tag in cell.metadata.get("tags", [])}
    assert {"nbval-ignore-output", "nbval-check-output"} <= tags


def test_readme_results_are_the_committed_notebook_run():
    text = stream_text("01_mnist_cnn.ipynb")
    seconds = re.search(r"Training took ([\d.]+) s", text).group(1)
    accuracy = re.search(r"test accuracy ([\d.]+%)", text).group(1)
    readme = (ROOT / "README.md").read_text()
    assert f"**{accuracy.replace('%', ' %')}**" in readme
    assert f"**{seconds} s**" in readme


def last_table(text: str, header: str) -> list[str]:
    """The lines of the last Markdown table in ``text`` whose first line starts with ``header``,
    or (for a ``**title**``) the table right after the last line that starts with it."""
    tables, current, title = [], [], ""
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append((title, current))
            current = []
        if line.startswith("**"):
            title = line
    found = [t for name, t in tables if t[0].startswith(header) or name.startswith(header)]
    assert found, f"no table starting with {header!r}"
    return found[-1]


@pytest.mark.parametrize("notebook, header", [("02_improving_the_model.ipynb", "| model |"),
                                              ("02_improving_the_model.ipynb", "| labels per class"),
                                              ("03_using_the_model.ipynb", "| format |"),
                                              ("04_reading_real_photos.ipynb", "**One digit per photo"),
                                              ("04_reading_real_photos.ipynb", "**Ruled and squared paper"),
                                              ("04_reading_real_photos.ipynb", "**Whole numbers")])
def test_readme_tables_are_the_committed_notebooks(notebook, header):
    table = last_table(stream_text(notebook), header)
    readme = (ROOT / "README.md").read_text()
    missing = [line for line in table if line not in readme]
    assert not missing, f"README lacks these lines of {notebook}'s committed output: {missing}"


def test_readme_handwriting_score_is_notebook_03s():
    text = stream_text("04_reading_real_photos.ipynb")
    score = re.search(r"UCI handwritten digits: ([\d.]+)%", text).group(1)
    assert f"**{score} %**" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("results", ["benchmark.txt", "inference.txt"])
def test_benchmark_readme_tables_are_the_committed_runs(results):
    text = (ROOT / "benchmarks" / "results" / results).read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    readme = (ROOT / "benchmarks" / "README.md").read_text()
    assert len(table) >= 3 and all(line in readme for line in table)


def test_readme_photo_audit_table_is_the_committed_report():
    text = (ROOT / "benchmarks" / "photos" / "audit" / "report.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    readme = (ROOT / "README.md").read_text()
    assert len(table) >= 3 and all(line in readme for line in table)


def test_clean_notebooks_strips_only_tensorflow_log_lines():
    from clean_notebooks import strip_tf_log

    log = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
           "I0000 00:00:1795573688.644571    4614 port.cc:153] oneDNN custom operations are on.\n"
           "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
           "UserWarning: something a learner should see\n")
    out = strip_tf_log([{"output_type": "stream", "name": "stderr", "text": log},
                        {"output_type": "stream", "name": "stdout", "text": "I0000 kept\n"}])
    assert [o["text"] for o in out] == ["UserWarning: something a learner should see\n", "I0000 kept\n"]


def test_the_clinic_shows_the_errors_the_installed_keras_raises():
    """Notebook 05 quotes Keras's messages for the classic mistakes: each still comes out of the
    installed Keras, and the committed run printed it."""
    import keras

    from mnist_cnn import Config, build_model

    x, y = np.zeros((64, 28, 28, 1), "float32"), np.arange(64) % 10
    printed = stream_text("05_common_mistakes.ipynb")
    cases = [("sparse_categorical_crossentropy", keras.utils.to_categorical(y, 10),
              "Argument `output` must have rank (ndim) `target.ndim - 1`"),
             ("categorical_crossentropy", y,
              "Arguments `target` and `output` must have the same rank (ndim)")]
    for loss, labels, text in cases:
        model = build_model(Config())
        model.compile(optimizer="adam", loss=loss)
        with pytest.raises(ValueError, match=re.escape(text)):
            model.fit(x, labels, epochs=1, verbose=0)
        assert text in printed
    model.predict(x, verbose=0)  # run once on 4-dimensional batches, as the notebook's model was
    for images in (x[:5, ..., 0], x[0]):
        with pytest.raises(ValueError, match="Cannot take the length of shape with unknown rank"):
            model.predict(images, verbose=0)
    assert printed.count("Cannot take the length of shape with unknown rank") == 2
    model = build_model(Config())
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="received `from_logits=True`, but the `output` argument was"):
        model.fit(x, y, epochs=1, verbose=0)
    assert "received `from_logits=True`, but the `output` argument was produced by a Softmax" in printed
