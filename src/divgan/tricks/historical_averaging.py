"""Historical averaging (Salimans et al. 2016, §3.3): each player's cost gets the penalty
λ‖θ − θ̄_t‖², where θ̄_t = (1/t) Σ_{i<t} θ_i is the mean of the parameters over all past steps
(θ_0 = the parameters when training starts).

The mean is kept incrementally, θ̄ ← θ̄ + (θ − θ̄)/t with one fused ``torch._foreach_lerp_`` per
player after every step: O(#parameters) memory and time, no history stored."""
from __future__ import annotations

import torch
from pydantic import Field

from ..params import Params
from . import TRICKS, Trick


def penalty(params: list[torch.Tensor], mean: list[torch.Tensor]) -> torch.Tensor:
    """Σ ‖θ − θ̄‖² over the parameter tensors."""
    return sum((p - m).pow(2).sum() for p, m in zip(params, mean))


@TRICKS.register("historical_averaging")
class HistoricalAveraging(Trick):
    class Params(Params):
        g: float = Field(0.0, ge=0.0, description="λ for the generator; 0 = no penalty on G")
        d: float = Field(0.0, ge=0.0, description="λ for the discriminator; 0 = no penalty on D")

    @staticmethod
    def enabled(p) -> bool:
        return p.g > 0 or p.d > 0

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        self.device = trainer.device
        self.count = 0  # parameter vectors averaged so far
        self.mean: dict[str, list[torch.Tensor]] = {}

    def _players(self, trainer):
        return {k: m for k, m, lam in (("g", trainer.G, self.p.g), ("d", trainer.D, self.p.d)) if lam > 0}

    def _start(self, trainer) -> None:
        """θ̄ = θ_0 (called lazily: minibatch discrimination may replace D's head in setup)."""
        if self.count == 0:
            self.mean = {k: [p.detach().clone() for p in m.parameters()] for k, m in self._players(trainer).items()}
            self.count = 1

    def d_loss(self, trainer, loss, real, fake):
        if self.p.d == 0:
            return loss
        self._start(trainer)
        return loss + self.p.d * penalty(list(trainer.D.parameters()), self.mean["d"])

    def g_loss(self, trainer, loss, fake, feats):
        if self.p.g == 0:
            return loss
        self._start(trainer)
        return loss + self.p.g * penalty(list(trainer.G.parameters()), self.mean["g"])

    @torch.no_grad()
    def after_step(self, trainer) -> None:
        self._start(trainer)
        self.count += 1
        for k, m in self._players(trainer).items():
            torch._foreach_lerp_(self.mean[k], [p.detach() for p in m.parameters()], 1.0 / self.count)

    def state_dict(self) -> dict:
        return {"count": self.count, "mean": self.mean}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.count = int(state["count"])
            self.mean = {k: [t.to(self.device).clone() for t in v] for k, v in state["mean"].items()}
