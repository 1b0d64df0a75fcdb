"""Learning-rate schedules (``optim.schedule``, ``optim.warmup``, ``optim.final_ratio``).

The factor multiplies both players' base learning rates (``optim.lr_g``, ``optim.lr_d``) and the NaN
guard's ``lr_scale``; it is a pure function of the step about to be taken, so a resumed run follows
exactly the same schedule. With T = ``train.steps``, W = ``warmup``, r = ``final_ratio`` and
u = (t − W)/(T − W) ∈ [0, 1] after the warm-up:

    constant   1
    linear     1 − (1 − r)·u                       (r at t = T)
    cosine     r + (1 − r)·(1 + cos πu)/2          (Loshchilov & Hutter 2017, without restarts)

and during the warm-up (t < W) the factor ramps linearly, (t + 1)/W, so the first step is not taken at
lr 0. Decaying to ~0 at the end tightens the generator: its last steps average out the adversarial
noise instead of jumping between samples (on the ring, samples must sit within 0.03 of a mode).
"""
from __future__ import annotations

import math


def lr_factor(schedule: str, step: int, total: int, warmup: int = 0, final_ratio: float = 0.0) -> float:
    """The learning-rate multiplier for step ``step`` (0-based) of ``total``."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule == "constant" or total <= warmup:
        return 1.0
    u = min(max((step - warmup) / (total - warmup), 0.0), 1.0)
    if schedule == "linear":
        return 1.0 - (1.0 - final_ratio) * u
    if schedule == "cosine":
        return final_ratio + (1.0 - final_ratio) * 0.5 * (1.0 + math.cos(math.pi * u))
    raise ValueError(f"optim.schedule: unknown schedule {schedule!r}; allowed: constant, linear, cosine")
