"""Exact resume: N steps + resume to 2N equals 2N uninterrupted, bitwise (weights, optimisers, trick
state, RNGs, metrics); SIGINT / SIGTERM stop cleanly with a resumable checkpoint."""
from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest
import torch
from reliability_helpers import (assert_same_run, cli, latest_state, set_args, step_files, toy, toy_config,
                                 train, wait_for)

import divgan


def test_toy_run_resumes_bitwise(tmp_path):
    train(tmp_path / "full", 20)
    train(tmp_path / "half", 10)
    assert latest_state(tmp_path / "half")["step"] == 10
    shutil.rmtree(tmp_path / "half" / "samples")  # a user cleared the figures: the run goes on, makes them again
    run = divgan.resume(tmp_path / "half", ["train.steps=20"], log=lambda m: None)
    assert run.summary["steps"] == 20
    assert_same_run(tmp_path / "full", tmp_path / "half")
    assert "steps: 20" in (tmp_path / "half" / "config.yaml").read_text()  # the override is recorded
    assert (tmp_path / "half" / "samples" / "samples_1d.png").is_file()


def test_resume_mid_interval_truncates_metrics(tmp_path):
    """A run stopped between checkpoints resumes from the checkpoint; later metric rows are dropped."""
    train(tmp_path / "full", 15)
    train(tmp_path / "cut", 15)
    ckpts = tmp_path / "cut" / "checkpoints"
    (ckpts / "step_00000015.pt").unlink()  # as if killed after step 14's evaluation row was written
    divgan.resume(tmp_path / "cut", log=lambda m: None)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_keep_last_and_best(tmp_path):
    train(tmp_path / "r", 20, "eval.best_metric=d_loss", "eval.best_mode=min")
    assert step_files(tmp_path / "r") == [20, 15]  # keep_last=2; step 0 was pruned
    best = latest_state(tmp_path / "r")["best"]
    assert (tmp_path / "r" / "checkpoints" / "best.pt").is_file() and "d_loss" in best
    g = divgan.load(tmp_path / "r", which="best")
    assert all(torch.isfinite(p).all() for p in g.parameters())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_finishes_step_checkpoints_and_resumes(tmp_path, sig):
    out = tmp_path / "run"
    over = toy(100000, "train.checkpoint_every=100000", "eval.every=100000")
    proc = cli("train", str(toy_config(tmp_path)), "--out", str(out), *set_args(over))
    wait_for(lambda: step_files(out), proc=proc)  # step 0 is written once the handlers are in place
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, stderr
    assert "Traceback" not in stderr
    assert f"divgan train --resume {out}" in stdout
    stopped = step_files(out)[0]
    assert stopped > 0 and latest_state(out)["step"] == stopped
    # the interrupted run continues exactly: same state as an uninterrupted run of the same length
    divgan.resume(out, [f"train.steps={stopped + 3}"], log=lambda m: None)
    train(tmp_path / "ref", stopped + 3, "train.checkpoint_every=100000", "eval.every=100000")
    assert_same_run(tmp_path / "ref", out)


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DCGAN = ["generator.width=8", "discriminator.width=8", "generator.latent_dim=16", "train.batch_size=16",
         "data.limit=48", f"data.root={SHARED_DATA}", "data.download=false", "train.checkpoint_every=2",
         "eval.every=2", "eval.n_samples=32", "eval.grid_size=4", "train.progress=false", "train.device=cpu",
         "tricks.historical_averaging.g=0.01", "tricks.historical_averaging.d=0.01",
         "train.threads=1"]  # bitwise needs one thread count throughout (auto may change it with the load)


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "MNIST" / "raw").is_dir(), reason="needs the MNIST files")
def test_mnist_dcgan_with_historical_averaging_resumes_bitwise(tmp_path, tmp_path_factory):
    # With the session's MNIST evaluator present, so that evaluation runs the feature metrics: they
    # once drew from the global torch RNG and broke exact resume (ranks[0].rng.torch differed); the
    # driver now evaluates on forked random states.
    from evaluator_helpers import trained_evaluator

    trained_evaluator(tmp_path_factory, "mnist")
    quiet = {"log": lambda m: None}
    # 48 images, batches of 16 drawn twice per step: the epoch order wraps several times
    divgan.train("mnist-dcgan", out=tmp_path / "full", overrides=[*DCGAN, "train.steps=6"], **quiet)
    divgan.train("mnist-dcgan", out=tmp_path / "half", overrides=[*DCGAN, "train.steps=4"], **quiet)
    divgan.resume(tmp_path / "half", ["train.steps=6"], **quiet)
    assert latest_state(tmp_path / "full")["tricks"]["historical_averaging"]["count"] == 7
    assert_same_run(tmp_path / "full", tmp_path / "half")
