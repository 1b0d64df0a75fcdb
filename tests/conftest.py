"""Shared fixtures: the repository paths, and a tiny trained toy run reused by several tests."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

TINY = ["train.steps=60", "train.batch_size=64", "eval.every=30", "eval.n_samples=500", "train.progress=false",
        "train.checkpoint_every=30", "generator.hidden=[32,32]", "discriminator.hidden=[32,32]"]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A 60-step ring run on disk (do not modify it in tests)."""
    import divgan

    out = tmp_path_factory.mktemp("runs") / "tiny"
    divgan.train("ring-vanilla", out=out, overrides=TINY, log=lambda m: None)
    return out
