"""An exponential moving average of the generator's weights (Yazıcı et al. 2019): after every
generator step from ``start`` on, θ̄ ← β θ̄ + (1 − β) θ (before ``start``: θ̄ = θ); buffers (batch-norm
statistics) are copied. With ``sample: true`` (default) sampling, evaluation, figures, the best
checkpoint and ``divgan sample`` use θ̄ (through the ``sampler`` hook); θ̄ is in the checkpoint."""
from __future__ import annotations

import copy

import torch
from pydantic import Field

from ..params import Params
from . import TRICKS, Trick


@TRICKS.register("ema")
class EMA(Trick):
    class Params(Params):
        decay: float = Field(0.0, ge=0.0, lt=1.0, description="β; 0 = off (0.999 is usual)")
        start: int = Field(0, ge=0, description="generator step from which θ̄ averages; before it θ̄ = θ")
        sample: bool = Field(True, description="sample and evaluate with the averaged generator")

    @staticmethod
    def enabled(p) -> bool:
        return p.decay > 0

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        self.G = copy.deepcopy(trainer.G).requires_grad_(False)

    @torch.no_grad()
    def after_step(self, trainer) -> None:
        avg, cur = list(self.G.parameters()), [p.detach() for p in trainer.G.parameters()]
        if trainer.step < self.p.start:
            torch._foreach_copy_(avg, cur)
        else:
            torch._foreach_lerp_(avg, cur, 1.0 - self.p.decay)
        for a, b in zip(self.G.buffers(), trainer.G.buffers()):
            a.copy_(b)

    def sampler(self, trainer):
        return self.G if self.p.sample else None

    def state_dict(self) -> dict:
        return {"G": self.G.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.G.load_state_dict(state["G"])
