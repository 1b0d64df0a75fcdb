"""The `divgan` command as a user runs it: presets, train, sample, one-line errors."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import TINY


def divgan(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "divgan", *args], capture_output=True, text=True, cwd=cwd)


def test_presets_lists_every_preset_with_a_description():
    from divgan.config import preset_names

    r = divgan("presets")
    assert r.returncode == 0
    for name in preset_names():
        line = next(l for l in r.stdout.splitlines() if l.split()[0] == name)
        assert len(line.split()) > 1


def test_bad_config_key_is_one_line_and_creates_nothing(tmp_path):
    out = tmp_path / "run"
    r = divgan("train", "--out", str(out), "--set", "train.stepz=5")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "train.stepz" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_unknown_preset_is_one_line(tmp_path):
    r = divgan("train", "no-such-preset", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "unknown preset" in r.stderr and "Traceback" not in r.stderr


def test_train_prints_summary_then_sample_npy_and_png(tmp_path):
    out = tmp_path / "run"
    args = [a for s in TINY for a in ("--set", s)]
    r = divgan("train", "--out", str(out), *args)
    assert r.returncode == 0, r.stderr
    assert "modes covered:" in r.stdout and str(out) in r.stdout and "density.png" in r.stdout
    r = divgan("sample", str(out), "--n", "10", "--out", str(tmp_path / "s.npy"), "--seed", "3")
    assert r.returncode == 0, r.stderr
    a = np.load(tmp_path / "s.npy")
    assert a.shape == (10, 2) and a.dtype == np.float32
    divgan("sample", str(out), "--n", "10", "--out", str(tmp_path / "t.npy"), "--seed", "3")
    assert np.array_equal(a, np.load(tmp_path / "t.npy"))
    r = divgan("sample", str(out), "--n", "200", "--out", str(tmp_path / "s.png"))
    assert r.returncode == 0 and (tmp_path / "s.png").stat().st_size > 1000


@pytest.mark.parametrize("args, fragment", [
    (["sample", "/nonexistent/run", "--n", "3", "--out", "x.npy"], "not found"),
    (["sample", ".", "--n", "3", "--out", "x.npy"], "not a divgan run"),
])
def test_sample_bad_input_is_one_line(tmp_path, args, fragment):
    r = divgan(*args, cwd=tmp_path)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr


def test_readme_preset_table_is_what_divgan_presets_prints():
    from pathlib import Path

    r = divgan("presets", "--markdown")
    assert r.returncode == 0 and r.stdout.startswith("| preset | what it is |\n|---|---|\n")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert r.stdout in readme, "README's preset table differs from `divgan presets --markdown`: paste its output"
    assert "\\|p−q\\|" in r.stdout  # a | in a description does not split the Markdown row
