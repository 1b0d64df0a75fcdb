"""Max-norm constraint on the discriminator's weights (Srebro & Shraibman 2005; Hinton et al. 2012's
dropout recipe; pylearn2's ``max_col_norm`` / ``max_kernel_norm``, which Goodfellow et al. 2014 set
to 1.9365 in their TFD and CIFAR-10 configs). After every D step, each output unit's incoming weight
vector w (a Linear layer's row, pylearn2's column; a Conv layer's filter) is projected back onto the
ball ‖w‖₂ ≤ c:

    w ← w · min(1, c/‖w‖₂)

Weights already inside the ball are left exactly as they are; biases are never constrained. Dropout
networks are trained with large learning rates and momentum, and the constraint is what keeps their
weights from growing without bound; for a GAN it also bounds how steep D can become.
Applied to every Linear and Conv layer of D (the head too; with spectral norm, to the raw weight)."""
from __future__ import annotations

import torch
from pydantic import Field
from torch import nn
from torch.nn.utils import parametrize

from ..errors import DivganError
from ..params import Params
from . import TRICKS, Trick

WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)


def weight_of(m: nn.Module) -> torch.Tensor:
    """The trainable weight tensor of a layer (under a parametrisation such as spectral norm, the raw one)."""
    return m.parametrizations.weight.original if parametrize.is_parametrized(m, "weight") else m.weight


@torch.no_grad()
def clip_unit_norms(model: nn.Module, c: float) -> int:
    """Project every output unit's weight vector of every weight layer of ``model`` onto ‖w‖ ≤ c, in
    place; returns how many layers it constrained."""
    layers = [m for m in model.modules() if isinstance(m, WEIGHT_LAYERS)]
    for m in layers:
        w = weight_of(m)
        dim = 1 if isinstance(m, nn.ConvTranspose2d) else 0  # the output-unit axis (ConvTranspose: (in, out, ...))
        w.copy_(torch.renorm(w, 2, dim, c))  # rows with norm > c scaled to c, the others unchanged
    return len(layers)


@TRICKS.register("max_norm")
class MaxNorm(Trick):
    class Params(Params):
        c: float = Field(0.0, ge=0.0, description="max L2 norm of each D unit's incoming weights, enforced after "
                                                  "each D step (Goodfellow et al. 2014's TFD/CIFAR configs: 1.9365); 0 = off")

    @staticmethod
    def enabled(p) -> bool:
        return p.c > 0

    def setup(self, trainer) -> None:
        if not any(isinstance(m, WEIGHT_LAYERS) for m in trainer.D.modules()):
            raise DivganError(f"tricks.max_norm: discriminator {trainer.cfg.discriminator['name']!r} has no "
                              f"Linear or Conv weight layers to constrain")

    def after_d_step(self, trainer) -> None:
        clip_unit_norms(trainer.D, self.p.c)
