"""Weight clipping (Arjovsky et al. 2017, the original WGAN): after every critic update each weight is
clamped to [−c, c], a crude way to keep the critic K-Lipschitz. It only makes sense for an integral
probability metric critic (``objective.name: wasserstein``), whose output is unbounded."""
from __future__ import annotations

import torch
from pydantic import Field

from ..errors import DivganError
from ..objectives import OBJECTIVES
from ..params import Params
from . import TRICKS, Trick


@TRICKS.register("weight_clipping")
class WeightClipping(Trick):
    class Params(Params):
        clip: float = Field(0.0, ge=0.0, description="c: clamp D's weights to [−c, c] after each D step (WGAN: 0.01); 0 = off")

    @staticmethod
    def enabled(p) -> bool:
        return p.clip > 0

    def setup(self, trainer) -> None:
        if not getattr(trainer.objective, "ipm", False):
            ipm = ", ".join(n for n, c in OBJECTIVES.items() if getattr(c, "ipm", False))
            raise DivganError(f"tricks.weight_clipping needs an IPM critic objective ({ipm}); "
                              f"objective.name is {trainer.cfg.objective.name!r}")

    @torch.no_grad()
    def after_d_step(self, trainer) -> None:
        for p in trainer.D.parameters():
            p.clamp_(-self.p.clip, self.p.clip)
