"""Fault injection: kill -9 during training and during a checkpoint write, damaged checkpoints, a
full disk, a checkpoint with code inside, NaN/Inf in training. Each time the run directory stays
resumable from its last good checkpoint, and the resumed run equals an uninterrupted one."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from reliability_helpers import (ONE_THREAD, assert_same_run, cli, latest_state, set_args, step_files, toy, toy_config,
                                 train, wait_for)

import divgan
from divgan.errors import DivganError
from divgan.train import checkpoint
from divgan.train.trainer import Trainer, TrainingDiverged

QUIET = {"log": lambda m: None}


def cli_main(capsys, *args: str) -> tuple[int, str, str]:
    """``divgan ARGS`` through ``divgan.cli.main`` in this process (what the entry point runs, without
    the seconds of imports of a new interpreter): (exit code, stdout, stderr). The kill -9 and signal
    tests keep real subprocesses."""
    from divgan.cli import main

    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _finite(state: dict) -> bool:
    return all(torch.isfinite(t).all() for k in ("G", "D") for t in state[k].values() if t.is_floating_point())


def test_kill9_during_training_then_resume(tmp_path):
    out = tmp_path / "run"
    proc = cli("train", str(toy_config(tmp_path)), "--out", str(out), *set_args(toy(100000, "eval.every=100000")))
    wait_for(lambda: any(s >= 10 for s in step_files(out)), proc=proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    last = step_files(out)[0]
    divgan.resume(out, [f"train.steps={last + 7}"], **QUIET)  # resumes from `last`, ends between checkpoints
    train(tmp_path / "ref", last + 7, "eval.every=100000")
    assert_same_run(tmp_path / "ref", out)


# A divgan process whose checkpoint writer stops half-way through step 10's file and waits to be killed.
TORN_WRITER = textwrap.dedent("""
    import os, sys, time, torch
    real = torch.save
    def torn(obj, fh, *a, **k):
        if isinstance(obj, dict) and obj.get("step") == 10:
            fh.write(b"PK\\x03\\x04 half a checkpoint")
            fh.flush()
            open(os.environ["TORN_MARK"], "w").close()
            time.sleep(600)
        return real(obj, fh, *a, **k)
    torch.save = torn
    from divgan.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_kill9_during_checkpoint_write_then_resume(tmp_path):
    out, mark = tmp_path / "run", tmp_path / "torn"
    cmd = [sys.executable, "-c", TORN_WRITER, "train", str(toy_config(tmp_path)), "--out", str(out),
           *set_args(toy(20, "eval.every=100000"))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **ONE_THREAD, "TORN_MARK": str(mark)})
    wait_for(mark.exists, proc=proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    ckpts = out / "checkpoints"
    assert step_files(out) == [5, 0] and any(p.name.startswith(".step_00000010") for p in ckpts.iterdir())
    divgan.resume(out, **QUIET)
    assert not [p for p in ckpts.iterdir() if ".tmp-" in p.name]  # the torn temporary file is cleaned up
    train(tmp_path / "ref", 20, "eval.every=100000")
    assert_same_run(tmp_path / "ref", out)


def _damage(run, damage: str = "truncate"):
    newest = run / "checkpoints" / "step_00000010.pt"
    data = newest.read_bytes()
    newest.write_bytes({"truncate": data[: len(data) // 2], "garbage": os.urandom(len(data)), "empty": b""}[damage])
    return {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_newest_checkpoint_is_refused_then_falls_back_when_asked(tmp_path, damage):
    """API: a damaged newest checkpoint is one error naming it, the usable older one and the way to
    fall back; nothing is changed. ``fallback=True`` resumes from the older one, saying so in one line,
    and renames nothing (the resumed run overwrites the damaged file when it reaches its step)."""
    train(tmp_path / "run", 10)
    before = _damage(tmp_path / "run", damage)
    with pytest.raises(checkpoint.DamagedCheckpointError, match=r"step_00000010.pt is damaged; the newest usable one is step_00000005.pt: pass --fallback \(Python: fallback=True\) to use it \(no file was changed\)$"):
        divgan.resume(tmp_path / "run", **QUIET)
    with pytest.raises(checkpoint.DamagedCheckpointError, match="step_00000010.pt is damaged"):
        divgan.load(tmp_path / "run")
    assert {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()} == before
    warnings = []
    assert divgan.load_trainer(tmp_path / "run", fallback=True, log=warnings.append).step == 5
    run = divgan.resume(tmp_path / "run", log=warnings.append, fallback=True)
    assert len(warnings) == 2 and all("step_00000010.pt is damaged; using step_00000005.pt" in w for w in warnings)
    assert not list((tmp_path / "run" / "checkpoints").glob("*.damaged"))
    assert run.summary["steps"] == 10
    train(tmp_path / "ref", 10)
    assert_same_run(tmp_path / "ref", tmp_path / "run")


def test_damaged_newest_checkpoint_on_the_command_line(tmp_path, capsys):
    """CLI: ``--resume`` and ``divgan sample`` refuse in one line, exit 2, change nothing; with
    ``--fallback`` they use the older checkpoint and say so in one line."""
    train(tmp_path / "run", 10)
    before = _damage(tmp_path / "run")
    for args in (["train", "--resume", str(tmp_path / "run")], ["sample", str(tmp_path / "run"), "--out", str(tmp_path / "s.npy")]):
        rc, _, err = cli_main(capsys, *args)
        assert rc == 2 and err.count("\n") == 1, err
        assert "step_00000010.pt is damaged; the newest usable one is step_00000005.pt: pass --fallback" in err
    assert {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()} == before
    assert not (tmp_path / "s.npy").exists()
    rc, _, err = cli_main(capsys, "sample", str(tmp_path / "run"), "--out", str(tmp_path / "s.npy"), "--fallback")
    assert rc == 0 and (tmp_path / "s.npy").exists(), err
    assert err.count("\n") == 1 and "step_00000010.pt is damaged; using step_00000005.pt" in err


def test_no_usable_checkpoint_is_one_clear_error(tmp_path):
    train(tmp_path / "run", 5)
    for _, p in checkpoint.step_checkpoints(tmp_path / "run" / "checkpoints"):
        p.write_bytes(b"not a checkpoint")
    with pytest.raises(DivganError, match="no usable checkpoint"):
        divgan.resume(tmp_path / "run", **QUIET, fallback=True)


def test_disk_full_during_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    real = torch.save

    def full(obj, fh, *a, **k):
        if obj.get("step") == 10:
            fh.write(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(obj, fh, *a, **k)

    monkeypatch.setattr(checkpoint.torch, "save", full)
    with pytest.raises(checkpoint.CheckpointWriteError, match="No space left on device.*previous checkpoints are intact"):
        train(tmp_path / "run", 20)
    ckpts = tmp_path / "run" / "checkpoints"
    assert step_files(tmp_path / "run") == [5, 0] and not [p for p in ckpts.iterdir() if p.name.startswith(".")]
    assert latest_state(tmp_path / "run")["step"] == 5
    monkeypatch.setattr(checkpoint.torch, "save", real)
    divgan.resume(tmp_path / "run", **QUIET)  # space is back: the run continues exactly
    train(tmp_path / "ref", 20)
    assert_same_run(tmp_path / "ref", tmp_path / "run")


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['PWNED']}",))


def test_checkpoint_with_code_inside_is_refused_unexecuted(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("PWNED", str(marker))
    train(tmp_path / "run", 5)
    evil = tmp_path / "run" / "checkpoints" / "step_00000099.pt"
    torch.save({"format": checkpoint.FORMAT, "step": 99, "G": _Payload()}, evil)
    with pytest.raises(DivganError, match="damaged or not a divgan checkpoint"):
        checkpoint.load(evil)
    with pytest.raises(DivganError, match="step_00000099.pt is damaged"):
        divgan.load_trainer(tmp_path / "run")
    assert divgan.load_trainer(tmp_path / "run", fallback=True).step == 5  # refused unexecuted; the previous one is used
    assert not marker.exists()


def test_resuming_a_run_of_an_older_checkpoint_format_is_one_line_and_changes_nothing(tmp_path, capsys):
    """Format-1 checkpoints (feature maps flattened channel-major) would load DCGAN weights permuted:
    ``--resume`` refuses them in one line naming the reason, and neither renames them as damaged nor
    touches anything else in the run folder."""
    train(tmp_path / "run", 5)
    for _, path in checkpoint.step_checkpoints(tmp_path / "run" / "checkpoints"):
        torch.save({**torch.load(path, weights_only=True), "format": "divgan-checkpoint-1"}, path)
    before = {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()}
    rc, _, err = cli_main(capsys, "train", "--resume", str(tmp_path / "run"))
    assert rc == 2 and err.count("\n") == 1, err
    assert "cannot be loaded: it was written before convolutional models flattened" in err
    assert {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()} == before


def _poison_once(monkeypatch, at_step: int):
    """Make G's weights NaN just before step ``at_step`` (once), as an exploding update would."""
    real, done = Trainer.train_step, []

    def step(self):
        if self.step == at_step and not done:
            done.append(True)
            with torch.no_grad():
                next(self.G.parameters()).fill_(float("nan"))
        return real(self)

    monkeypatch.setattr(Trainer, "train_step", step)


def test_nan_rolls_back_with_lower_lr(tmp_path, monkeypatch):
    _poison_once(monkeypatch, at_step=7)
    warnings = []
    run = divgan.train({"data": {"name": "mixture1d"}}, out=tmp_path / "run", overrides=toy(10), log=warnings.append)
    t = run.trainer
    assert run.driver.rollbacks == 1 and t.lr_scale == 0.5 and t.step == 10
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(0.5 * t.cfg.optim.lr_g)
    assert any("rolled back to step_00000005.pt" in w for w in warnings)
    for _, p in checkpoint.step_checkpoints(tmp_path / "run" / "checkpoints"):
        assert _finite(checkpoint.load(p))
    assert latest_state(tmp_path / "run")["lr_scale"] == 0.5


def test_nan_stop_mode_never_writes_a_nan_checkpoint(tmp_path, monkeypatch):
    _poison_once(monkeypatch, at_step=7)
    with pytest.raises(TrainingDiverged, match="non-finite at step 8.*stopped"):
        train(tmp_path / "run", 10, "train.on_nan=stop")
    assert step_files(tmp_path / "run") == [5, 0]
    assert all(_finite(checkpoint.load(p)) for _, p in checkpoint.step_checkpoints(tmp_path / "run" / "checkpoints"))


def test_exploding_run_stops_with_one_clear_line(tmp_path, capsys):
    """A real divergence (SGD with an absurd learning rate) through the CLI: exit 2, one line, no NaN file."""
    out = tmp_path / "run"
    rc, _, stderr = cli_main(capsys, "train", str(toy_config(tmp_path)), "--out", str(out), "--set", "train.threads=1",
                             *set_args(toy(50, "optim.name=sgd", "optim.lr_g=1e30", "optim.lr_d=1e30", "train.max_rollbacks=1")))
    assert rc == 2
    lines = [x for x in stderr.splitlines() if x.startswith("divgan: error:")]
    assert len(lines) == 1 and "non-finite" in lines[0] and "Traceback" not in stderr
    assert all(_finite(checkpoint.load(p)) for _, p in checkpoint.step_checkpoints(out / "checkpoints"))
