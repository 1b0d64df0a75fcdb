"""Shared fixtures: the repository paths, the session's cache folder, and a tiny trained toy run
reused by several tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel workers (``pytest -n N``) share the cores: one thread each, and for the processes they start,
    # or OpenMP teams that wait on each other's cores make steps many times slower (docs/images.md, busy machines).
    import torch

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

TINY = ["train.steps=60", "train.batch_size=64", "eval.every=30", "eval.n_samples=500", "train.progress=false",
        "train.checkpoint_every=30", "generator.hidden=[32,32]", "discriminator.hidden=[32,32]"]


@pytest.fixture(autouse=True)
def small_divergence_sample(monkeypatch):
    """Toy evaluations in this process estimate KL/JSD from 300 generator samples instead of 1,500: the
    KDE's bandwidth search is O(N²) and was a quarter of the lecture test's time. The estimator's
    accuracy has its own tests (test_estimators.py), which call it directly."""
    import divgan.metrics.divergence

    monkeypatch.setattr(divgan.metrics.divergence, "N_MODEL", 300)


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory):
    """``$DIVGAN_CACHE`` for the whole session (subprocesses inherit it): decoded datasets and the
    evaluators trained by ``evaluator_helpers`` are built once per session and shared by every test,
    and a test never reads or fills the user's ``~/.cache/divgan`` (so a run here costs what it costs
    on a fresh clone). Tests of the cache itself point ``DIVGAN_CACHE`` at their own ``tmp_path``."""
    from evaluator_helpers import cache_root

    mp = pytest.MonkeyPatch()
    mp.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))
    yield cache_root(tmp_path_factory)
    mp.undo()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A 60-step ring run on disk (do not modify it in tests)."""
    import divgan

    out = tmp_path_factory.mktemp("runs") / "tiny"
    divgan.train("ring-vanilla", out=out, overrides=TINY, log=lambda m: None)
    return out


@pytest.fixture(scope="session")
def ring_pair(tmp_path_factory):
    """Two 20-step ring runs that differ in optim.lr_g and seed (for compare and the browser pages;
    do not modify them in tests)."""
    from report_helpers import small_ring_run

    root = tmp_path_factory.mktemp("pair")
    return small_ring_run(root / "a", 20), small_ring_run(root / "b", 20, "optim.lr_g=0.0005", "seed=3")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (installed if missing and allowed), shared by a module's page tests; skips
    the test with the reason when there is none."""
    from browser_helpers import Browser, find_chromium

    path, why = find_chromium(install=True)
    if not path:
        pytest.skip(f"headless browser test skipped: {why}")
    with Browser(path) as b:
        yield b
