"""Shared helpers of the report / compare / TensorBoard tests: tiny toy runs (seconds each)."""
from __future__ import annotations

from pathlib import Path

import divgan

TINY = ["generator.hidden=[32,32]", "discriminator.hidden=[32,32]", "train.batch_size=64", "train.progress=false",
        "train.device=cpu", "train.checkpoint_every=20", "eval.every=10", "eval.n_samples=300", "eval.snapshots=3"]


def small_ring_run(path: Path, steps: int = 30, *extra: str) -> divgan.api.Run:
    """A ring run of ``steps`` generator updates with an evaluation every 10 steps."""
    return divgan.train("ring-vanilla", out=path, overrides=[*TINY, f"train.steps={steps}", *extra], log=lambda m: None)
