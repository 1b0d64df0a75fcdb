"""Shared helpers of the stabilisation-trick tests: a tiny trainer on the 8-Gaussian ring."""
from __future__ import annotations

import math

import torch

from divgan.config import load_config
from divgan.train.trainer import Trainer

torch.set_num_threads(1)  # tiny models: one thread is fastest, and far faster on a busy machine

TINY = [
    "generator.latent_dim=2", "generator.hidden=[16,16]", "discriminator.hidden=[16,16]",
    "train.batch_size=32", "train.progress=false", "train.device=cpu", "eval.n_samples=200",
]


def tiny_trainer(*overrides: str, preset: str = "ring-vanilla") -> Trainer:
    return Trainer(load_config(preset, [*TINY, *overrides]), log=lambda m: None)


def run_steps(trainer: Trainer, n: int) -> Trainer:
    for _ in range(n):
        trainer.train_step()
    return trainer


def composes_with_fgan(divergence: str, *overrides: str, steps: int = 5) -> Trainer:
    """A few steps of ``overrides`` under the f-GAN objective: losses finite, G and D moved."""
    t = tiny_trainer("objective.name=fgan", f"objective.divergence={divergence}", *overrides)
    g0 = [p.detach().clone() for p in t.G.parameters()]
    d0 = [p.detach().clone() for p in t.D.parameters()]
    run_steps(t, steps)
    assert len(t.losses["g_loss"]) == steps
    assert all(math.isfinite(v) for k in ("d_loss", "g_loss") for v in t.losses[k])
    assert any(not torch.equal(a, b) for a, b in zip(g0, t.G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, t.D.parameters()))
    return t


def resumes_exactly(*overrides: str, steps: int = 4) -> None:
    """``steps`` straight equal ``steps // 2``, a state_dict round trip, and the rest (bitwise)."""
    import copy

    a = run_steps(tiny_trainer(*overrides), steps)
    b = run_steps(tiny_trainer(*overrides), steps // 2)
    c = tiny_trainer(*overrides)
    c.load_state_dict(copy.deepcopy(b.state_dict()))  # deepcopy: torch's optimiser load shares tensors in-process
    run_steps(c, steps - steps // 2)
    for m in ("G", "D"):
        assert all(torch.equal(x, y) for x, y in zip(getattr(a, m).parameters(), getattr(c, m).parameters()))
    assert a.losses == c.losses
