"""Evaluators and a tiny image run for the evaluation tests, built once per test session.

Session-wide caching goes through the session's base temporary folder: the first test that needs an
evaluator trains it there (single-threaded: small networks on shared CPUs are fastest that way), later
tests, in any module, find the file."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import torch
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
HAVE_MNIST = (SHARED_DATA / "MNIST" / "raw").is_dir()
# small budgets: digits reaches ~95%, MNIST (8,000 images, 1 epoch) ~95% in seconds
BUDGETS = {"digits": {"epochs": 15}, "mnist": {"epochs": 1, "limit": 8000}}


@contextlib.contextmanager
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def cache_root(tmp_path_factory) -> Path:
    """A DIVGAN_CACHE folder shared by the session; evaluators go to its evaluators/. Parallel workers
    (``pytest -n``) share one: the folder above each worker's own base folder (divgan writes its cache
    files atomically; ``trained_evaluator`` trains each evaluator once, under a lock)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "divgan-cache"


def trained_evaluator(tmp_path_factory, name: str, data_root: Path = SHARED_DATA) -> Path:
    from divgan.evaluator import train_evaluator

    path = cache_root(tmp_path_factory) / "evaluators" / f"{name}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if path.is_file():
            return path
        with one_thread():
            train_evaluator(name, data_root if name != "digits" else None, path=path, progress=False, **BUDGETS[name])
    return path


def image_run(tmp_path_factory) -> Path:
    """A few-step digits DCGAN run (weights barely trained: for wiring, not quality)."""
    import divgan

    out = tmp_path_factory.getbasetemp() / "digits-run"
    if not (out / "summary.json").is_file():
        with one_thread():
            divgan.train("digits-dcgan", out=out, force=True, log=lambda m: None, overrides=[
                "train.steps=4", "train.batch_size=16", "eval.every=4", "eval.n_samples=64", "train.progress=false",
                "train.checkpoint_every=4", "eval.metrics=[]"])
    return out
