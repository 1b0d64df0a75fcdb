"""Bad input where a user types: config keys and values, dataset paths, run directories that are not
runs, outputs over another run. Each ends with one clear ``divgan: error:`` line, a non-zero exit,
no traceback, and leaves every existing run untouched."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from reliability_helpers import toy, train

from divgan.cli import main


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "existing"
    train(out, 5)
    return out


def fails(capsys, *argv: str, code: int = 2) -> str:
    """Run the CLI in-process; return its single error line."""
    assert main(list(argv)) == code
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("divgan: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("over, fragment", [
    ("train.stepz=5", "unknown key 'train.stepz'"),
    ("train.steps=-3", "train.steps"),
    ("train.batch_size=many", "train.batch_size"),
    ("optim.name=rmsprop", "optim.name"),
    ("train.on_nan=ignore", "train.on_nan"),
    ("generator.name=transformer", "generator.name: unknown generator"),
    ("steps", "--set expects key=value"),
])
def test_bad_config_is_refused_before_anything_is_written(tmp_path, capsys, over, fragment):
    line = fails(capsys, "train", "--out", str(tmp_path / "new"), "--set", over)
    assert fragment in line
    assert not (tmp_path / "new").exists()


def test_reuse_fake_needs_one_d_step(tmp_path, capsys):
    line = fails(capsys, "train", "--out", str(tmp_path / "new"), "--set", "train.reuse_fake=true", "--set", "train.d_steps=2")
    assert "train.reuse_fake" in line and not (tmp_path / "new").exists()


@pytest.mark.parametrize("config, fragment", [("no-such-preset", "unknown preset"), ("missing.yaml", "not found")])
def test_bad_config_source(tmp_path, capsys, config, fragment):
    assert fragment in fails(capsys, "train", config, "--out", str(tmp_path / "new"))


def test_invalid_yaml_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {steps: [1, 2\n")
    assert "not valid YAML" in fails(capsys, "train", str(bad), "--out", str(tmp_path / "new"))


def test_missing_dataset_is_one_line(tmp_path, capsys):
    line = fails(capsys, "train", "mnist-dcgan", "--out", str(tmp_path / "new"),
                 "--set", f"data.root={tmp_path / 'nowhere'}", "--set", "data.download=false")
    assert "mnist not found" in line and not (tmp_path / "new").exists()


def test_out_over_an_existing_run_needs_force(run, capsys):
    before = snapshot(run)
    line = fails(capsys, "train", "--out", str(run), *sum((["--set", o] for o in toy(5)), []))
    assert "already holds a run" in line and "--resume" in line and "--force" in line
    assert snapshot(run) == before


def test_out_over_a_folder_that_is_not_a_run_is_never_replaced(tmp_path, capsys):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    for extra in ([], ["--force"]):
        assert "not a divgan run" in fails(capsys, "train", "--out", str(mine), *extra)
    assert (mine / "chapter1.tex").read_text() == "precious" and len(list(mine.iterdir())) == 1


def test_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert "not a directory" in fails(capsys, "train", "--out", str(f))
    assert f.read_text() == "x"


@pytest.mark.parametrize("kind", ["missing", "empty", "plain"])
def test_resume_something_that_is_not_a_run(tmp_path, capsys, kind):
    target = tmp_path / kind
    if kind != "missing":
        target.mkdir()
    if kind == "plain":
        (target / "notes.txt").write_text("hi")
    line = fails(capsys, "train", "--resume", str(target))
    assert ("not found" if kind == "missing" else "is not a divgan run") in line


def test_resume_with_a_config_argument_is_refused(run, capsys):
    before = snapshot(run)
    assert "--resume takes its config from the run" in fails(capsys, "train", "ring", "--resume", str(run))
    assert snapshot(run) == before


def test_resume_with_an_incompatible_change_leaves_the_run_untouched(run, capsys):
    before = snapshot(run)
    line = fails(capsys, "train", "--resume", str(run), "--set", "generator.hidden=[8]")
    assert "does not match this run's config" in line
    assert snapshot(run) == before


def test_resume_with_a_bad_override_leaves_the_run_untouched(run, capsys):
    before = snapshot(run)
    assert "unknown key" in fails(capsys, "train", "--resume", str(run), "--set", "train.stepz=9")
    assert snapshot(run) == before


def test_resume_a_run_without_checkpoints(run, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    for p in (copy / "checkpoints").iterdir():
        p.unlink()
    assert "no checkpoint in" in fails(capsys, "train", "--resume", str(copy))


def test_uncreatable_out_is_one_line(tmp_path, capsys):
    """An --out whose parent is a file (as a read-only or full disk would): OSError -> one line."""
    (tmp_path / "file.txt").write_text("x")
    line = fails(capsys, "train", "--out", str(tmp_path / "file.txt" / "run"), *sum((["--set", o] for o in toy(1)), []))
    assert "cannot create run directory" in line


def test_corrupt_dataset_file_is_one_line(tmp_path, capsys):
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "MNIST" / "raw"
    if not shared.is_dir():
        pytest.skip("needs the MNIST files")
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in shared.glob("*.gz"):
        (raw / f.name).write_bytes(f.read_bytes())
    labels = raw / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-100])  # a truncated download
    line = fails(capsys, "train", "mnist-dcgan", "--out", str(tmp_path / "new"),
                 "--set", f"data.root={tmp_path / 'data'}", "--set", "data.download=false")
    assert "corrupt" in line and not (tmp_path / "new").exists()


def test_model_that_does_not_fit_the_data_shape(tmp_path, capsys):
    cfg = tmp_path / "dcgan-on-ring.yaml"
    cfg.write_text("generator: {name: dcgan}\ndiscriminator: {name: dcgan}\n")
    assert "needs square images" in fails(capsys, "train", str(cfg), "--out", str(tmp_path / "new"))
    assert not (tmp_path / "new").exists()


def test_sampling_a_checkpoint_that_does_not_fit_the_models_is_one_line(run, tmp_path, capsys):
    """A run whose checkpoint does not fit the models its config builds (another config, or a model
    layout from an older divgan): `divgan sample` says so in one line and changes nothing."""
    import shutil

    import yaml

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    cfg = yaml.safe_load((copy / "config.yaml").read_text())
    cfg["generator"]["hidden"] = [8]
    (copy / "config.yaml").write_text(yaml.safe_dump(cfg))
    before = snapshot(copy)
    line = fails(capsys, "sample", str(copy), "--n", "4", "--out", str(tmp_path / "s.npy"))
    assert "does not match this run's config" in line and not (tmp_path / "s.npy").exists()
    assert snapshot(copy) == before
