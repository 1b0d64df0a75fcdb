"""The `divgan` command as a user runs it: presets, train, sample, one-line errors.

A `python -m divgan` process costs seconds of imports, so the real entry point runs in a subprocess
where that is the point (a user's train → sample session, the one-line error without a traceback);
the other commands run through ``divgan.cli.main`` in this process, the same code behind the entry
point (``__main__`` only exits with its return code)."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import TINY
from divgan.cli import main


def divgan(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "divgan", *args], capture_output=True, text=True, cwd=cwd)


def in_process(capsys, *args):
    """``divgan ARGS`` through the CLI's main in this process: (exit code, stdout, stderr)."""
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_presets_lists_every_preset_with_a_description(capsys):
    from divgan.config import preset_names

    rc, out, _ = in_process(capsys, "presets")
    assert rc == 0
    for name in preset_names():
        line = next(l for l in out.splitlines() if l.split()[0] == name)
        assert len(line.split()) > 1


def test_bad_config_key_is_one_line_and_creates_nothing(tmp_path):
    out = tmp_path / "run"
    r = divgan("train", "--out", str(out), "--set", "train.stepz=5")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "train.stepz" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_unknown_preset_is_one_line(tmp_path, capsys):
    rc, _, err = in_process(capsys, "train", "no-such-preset", "--out", str(tmp_path / "x"))
    assert rc == 2 and "unknown preset" in err and err.strip().count("\n") == 0 and not (tmp_path / "x").exists()


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
    # the same seed in another process (this one) draws the same samples
    assert main(["sample", str(out), "--n", "10", "--out", str(tmp_path / "t.npy"), "--seed", "3"]) == 0
    assert np.array_equal(a, np.load(tmp_path / "t.npy"))
    assert main(["sample", str(out), "--n", "200", "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 1000


@pytest.mark.parametrize("args, fragment", [
    (["sample", "/nonexistent/run", "--n", "3", "--out", "x.npy"], "not found"),
    (["sample", ".", "--n", "3", "--out", "x.npy"], "not a divgan run"),
])
def test_sample_bad_input_is_one_line(tmp_path, args, fragment, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, _, err = in_process(capsys, *args)
    assert rc == 2 and fragment in err and err.strip().count("\n") == 0


def test_readme_preset_table_is_what_divgan_presets_prints(capsys):
    from pathlib import Path

    rc, out, _ = in_process(capsys, "presets", "--markdown")
    assert rc == 0 and out.startswith("| preset | what it is |\n|---|---|\n")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert out in readme, "README's preset table differs from `divgan presets --markdown`: paste its output"
    assert "\\|p−q\\|" in out  # a | in a description does not split the Markdown row
