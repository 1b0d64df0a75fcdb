"""Shared helpers of the reliability tests (exact resume, faults, signals, DDP): tiny runs and
bitwise comparisons of run directories."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

import divgan
from divgan.train import checkpoint

# Tiny models: one thread is fastest, and on a busy machine extra OpenMP threads spin for ages.
torch.set_num_threads(1)
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# A toy run that takes well under a second per 10 steps: 1-D mixture (no density figure), dropout in
# D and historical averaging (global RNG and trick state must both survive a resume).
TOY = [
    "generator.latent_dim=4", "generator.hidden=[32,32]", "discriminator.hidden=[32,32]",
    "discriminator.dropout=0.1", "tricks.historical_averaging.g=0.01", "tricks.historical_averaging.d=0.01",
    "train.batch_size=64", "train.checkpoint_every=5", "train.keep_last=2", "train.progress=false",
    "eval.every=5", "eval.n_samples=200", "train.device=cpu",
]


def toy(steps: int, *extra: str) -> list[str]:
    return [*TOY, f"train.steps={steps}", *extra]


def toy_config(tmp_path: Path) -> Path:
    """The toy run's data section as a YAML file, for CLI runs (``--set`` completes it)."""
    path = Path(tmp_path) / "toy.yaml"
    path.write_text("data: {name: mixture1d}\n")
    return path


def train(out: Path, steps: int, *extra: str):
    return divgan.train({"data": {"name": "mixture1d"}}, out=out, overrides=toy(steps, *extra), log=lambda m: None)


def latest_state(run: Path) -> dict:
    return checkpoint.load_latest(Path(run) / "checkpoints", warn=lambda m: None)[0]


def assert_same_tensors(a, b, where: str = "") -> None:
    """Bitwise equality of nested dicts/lists of tensors and plain values."""
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            assert_same_tensors(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tensors(x, y, f"{where}[{i}]")
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), where
    else:
        assert a == b, where


def assert_same_run(a: Path, b: Path) -> None:
    """Two run directories hold bitwise-equal training state and identical metrics."""
    sa, sb = latest_state(a), latest_state(b)
    for key in ("step", "G", "D", "opt_g", "opt_d", "tricks", "ranks", "losses", "metrics_log"):
        assert_same_tensors(sa[key], sb[key], key)
    rows = [(Path(r) / "metrics.jsonl").read_text().splitlines() for r in (a, b)]
    assert [json.loads(x) for x in rows[0]] == [json.loads(x) for x in rows[1]]


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``python -m divgan ARGS`` in a real subprocess (stdout and stderr piped)."""
    return subprocess.Popen([sys.executable, "-m", "divgan", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **ONE_THREAD, **(env or {})}, **kw)


def set_args(overrides: list[str]) -> list[str]:
    return [a for o in overrides for a in ("--set", o)]


def wait_for(predicate, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    end = time.time() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended early ({proc.returncode}): {proc.stderr.read()[-2000:]}")
        if time.time() > end:
            raise AssertionError("timed out")
        time.sleep(0.1)


def step_files(run: Path) -> list[int]:
    return [s for s, _ in checkpoint.step_checkpoints(Path(run) / "checkpoints")]
