"""Optimiser schedules: the learning rate (``optim.schedule``, ``optim.warmup``, ``optim.final_ratio``,
``optim.decay_factor``, ``optim.decay_steps``) and SGD's momentum (``optim.momentum_final``, ``optim.momentum_steps``).

The learning-rate factor multiplies both players' base learning rates (``optim.lr_g``, ``optim.lr_d``)
and the NaN guard's ``lr_scale``; like the momentum it is a pure function of the step about to be
taken, so a resumed run follows exactly the same schedule. With T = ``train.steps``, W = ``warmup``,
r = ``final_ratio``, S = W, or max(W, T − ``decay_steps``) when ``decay_steps`` > 0, the step where the
decay starts, t' = t − S the steps since then and u = t'/(T − S) ∈ [0, 1] (u = 0 before S):

    constant      1
    linear        1 − (1 − r)·u                       (r at t = T)
    cosine        r + (1 − r)·(1 + cos πu)/2          (Loshchilov & Hutter 2017, without restarts)
    exponential   max(γ^(−t'), r)                      γ = ``decay_factor`` > 1: lr ← lr/γ each step

and during the warm-up (t < W) the factor ramps linearly, (t + 1)/W, so the first step is not taken at
lr 0. ``decay_steps`` > 0 holds the rate at lr from W to S and decays only over the last steps
(warmup–stable–decay, "WSD"): a run can be branched from a checkpoint before S to compare decaying
with not decaying at the same cost. Decaying to ~0 at the end can tighten the generator: its last
steps average out the adversarial noise instead of jumping between samples (on the ring, samples must
sit within 0.03 of a mode); on Stacked MNIST it deepened the digit imbalance (docs/results.md).
``exponential`` is pylearn2's ``ExponentialDecay`` as Goodfellow et al. 2014 used it (γ = 1.000004,
floor ``min_lr`` = 1e-6, i.e. r = 1e-5 of lr 0.1): step t is taken at lr₀/γ^t; without ``decay_steps`` it does not depend on T.

SGD momentum μ_t (pylearn2's ``MomentumAdjustor``, Goodfellow et al.: 0.5 → 0.7) rises linearly from
``optim.momentum`` at step 0 to ``optim.momentum_final`` at step S = ``momentum_steps`` and stays there:

    μ_t = μ₀ + (μ₁ − μ₀)·min(t/S, 1)
"""
from __future__ import annotations

import math
from typing import Callable

# name -> factor(t', span, final_ratio, decay_factor), t' = steps since the warm-up, span = T − W > 0
SCHEDULES: dict[str, Callable[[int, int, float, float], float]] = {}


def schedule(name: str):
    """Register a learning-rate schedule under ``name`` (an ``optim.schedule`` value)."""
    def add(fn):
        SCHEDULES[name] = fn
        return fn
    return add


def _u(t: int, span: int) -> float:
    return min(max(t / span, 0.0), 1.0)


@schedule("constant")
def _constant(t, span, r, decay):
    return 1.0


@schedule("linear")
def _linear(t, span, r, decay):
    return 1.0 - (1.0 - r) * _u(t, span)


@schedule("cosine")
def _cosine(t, span, r, decay):
    return r + (1.0 - r) * 0.5 * (1.0 + math.cos(math.pi * _u(t, span)))


@schedule("exponential")
def _exponential(t, span, r, decay):
    return max(decay ** -max(t, 0), r)  # γ^(−t) underflows to 0.0 (no error) long after the floor


def lr_factor(schedule: str, step: int, total: int, warmup: int = 0, final_ratio: float = 0.0,
              decay_factor: float = 1.0, decay_steps: int = 0) -> float:
    """The learning-rate multiplier for step ``step`` (0-based) of ``total``; ``decay_steps`` > 0 decays
    over only the last ``decay_steps`` steps (never into the warm-up)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"optim.schedule: unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    start = max(warmup, total - decay_steps) if decay_steps > 0 else warmup
    if schedule == "constant" or (total <= start and schedule != "exponential"):
        return 1.0
    return SCHEDULES[schedule](step - start, max(total - start, 1), final_ratio, decay_factor)


def momentum_at(step: int, momentum: float, final: float | None, steps: int) -> float:
    """SGD momentum for step ``step``: ``momentum`` rising linearly to ``final`` over ``steps`` steps
    (``final`` None: constant)."""
    if final is None or steps <= 0:
        return momentum if final is None else final
    return momentum + (final - momentum) * min(step / steps, 1.0)


def schedules_active(o) -> bool:
    """Whether an optim config (``OptimConfig``) changes the rates or momentum during training."""
    return o.schedule != "constant" or o.warmup > 0 or o.momentum_final is not None
