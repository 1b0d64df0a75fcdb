"""Instance noise (Sønderby et al. 2016; Arjovsky & Bottou 2017): ε ~ N(0, σ_t² I) is added to every
discriminator input, real and generated, so the two distributions overlap and D's gradients stay
informative. σ_t follows a schedule over ``anneal_steps`` generator steps:

- ``constant``:    σ_t = σ
- ``linear``:      σ_t = σ · (1 − t/T), then 0
- ``exponential``: σ_t = σ · ``final_ratio``^(t/T) for t < T, then 0

The noise is drawn from the trainer's generator (``trainer.gen``), so runs are deterministic and resume
exactly."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from ..params import Params
from . import TRICKS, Trick


def sigma_at(p, step: int) -> float:
    """σ of the schedule ``p`` at generator step ``step``."""
    if p.schedule == "constant":
        return p.sigma
    frac = step / p.anneal_steps
    if frac >= 1.0:
        return 0.0
    if p.schedule == "linear":
        return p.sigma * (1.0 - frac)
    return p.sigma * p.final_ratio**frac


@TRICKS.register("instance_noise")
class InstanceNoise(Trick):
    class Params(Params):
        sigma: float = Field(0.0, ge=0.0, description="initial noise std σ; 0 = off")
        schedule: Literal["constant", "linear", "exponential"] = "constant"
        anneal_steps: int = Field(1000, ge=1, description="steps T over which σ anneals to zero")
        final_ratio: float = Field(0.01, gt=0.0, lt=1.0, description="exponential: σ_T/σ just before T")

    @staticmethod
    def enabled(p) -> bool:
        return p.sigma > 0

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        self.gen = trainer.gen

    def d_input(self, x: torch.Tensor, step: int) -> torch.Tensor:
        s = sigma_at(self.p, step)
        if s == 0.0:
            return x
        eps = torch.randn(x.shape, generator=self.gen, dtype=torch.float32).to(x.device, x.dtype)
        return x + s * eps
