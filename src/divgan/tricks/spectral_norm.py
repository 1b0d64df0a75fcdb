"""Spectral normalisation (Miyato et al. 2018): every weight layer of the discriminator uses W/σ(W),
σ(W) its largest singular value, estimated by one power iteration per training forward pass
(``torch.nn.utils.parametrizations.spectral_norm``; the vectors u, v are buffers, so they are in the
checkpoint). Each layer is then 1-Lipschitz, and so is D when its activations are (ReLU, LeakyReLU).
Applied in ``setup``, after ``packing`` has rebuilt D, to every Linear and Conv layer (the head too)."""
from __future__ import annotations

from pydantic import Field
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ..errors import DivganError
from ..params import Params
from . import TRICKS, Trick

WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)


def apply_spectral_norm(model: nn.Module, n_power_iterations: int = 1) -> int:
    """Parametrise every weight layer of ``model`` by W/σ(W); returns how many layers it changed."""
    layers = [m for m in model.modules() if isinstance(m, WEIGHT_LAYERS)]
    for m in layers:
        spectral_norm(m, n_power_iterations=n_power_iterations)
    return len(layers)


@TRICKS.register("spectral_norm")
class SpectralNorm(Trick):
    class Params(Params):
        enabled: bool = Field(False, description="spectral norm on every Linear/Conv layer of the discriminator")
        n_power_iterations: int = Field(1, ge=1, description="power iterations per forward pass")

    @staticmethod
    def enabled(p) -> bool:
        return p.enabled

    def setup(self, trainer) -> None:
        if apply_spectral_norm(trainer.D, self.p.n_power_iterations) == 0:
            raise DivganError(f"tricks.spectral_norm: discriminator {trainer.cfg.discriminator['name']!r} has no "
                              f"Linear or Conv weight layers to normalise")
