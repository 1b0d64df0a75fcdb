"""Adversarial objectives as pure functions of discriminator (critic) outputs.

Every objective maps raw discriminator outputs (logits / critic values V) to scalar losses that the
training loop *minimises*; they never own optimisers or models.

- ``minimax``: Goodfellow et al. 2014, eq. (1): D maximises E_p[log D(x)] + E_z[log(1 − D(G(z)))],
  G minimises E_z[log(1 − D(G(z)))] (saturating: its gradient vanishes when D(G(z)) → 0).
- ``nonsaturating``: same D; G maximises E_z[log D(G(z))] (the paper's practical alternative).
- ``fgan``: Nowozin et al. 2016: the critic maximises E_P[g_f(V)] − E_Q[f*(g_f(V))]; G minimises the
  same bound (``generator_loss: saturating``) or maximises E_Q[g_f(V(G(z)))] (``alternative``, default).

With D = sigmoid(logit): log D = −softplus(−logit), log(1 − D) = −softplus(logit).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .divergences import DIVERGENCES
from .registry import Registry

OBJECTIVES: Registry[type["Objective"]] = Registry("objective")


@dataclass
class Objective:
    """Losses to minimise, from D outputs. ``real_target`` < 1 is one-sided label smoothing."""

    supports_label_smoothing = True
    #: the generator loss also needs the critic on real data (relativistic objectives); the training
    #: loop then passes ``real`` to ``g_loss``
    needs_real_in_g = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def value(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The quantity the discriminator maximises (the game's value / the divergence bound)."""
        return -self.d_loss(real, fake)


def gan_d_loss(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """−(E_p[log D(x)] + E_z[log(1 − D(G(z)))]), with optional smoothed real target y:
    the real term becomes the cross-entropy −[y log D + (1−y) log(1−D)]."""
    real_term = real_target * F.softplus(-real) + (1.0 - real_target) * F.softplus(real)
    return real_term.mean() + F.softplus(fake).mean()


@OBJECTIVES.register("minimax")
@dataclass
class Minimax(Objective):
    """The minimax game exactly as in Goodfellow et al. 2014 (saturating generator loss)."""

    def d_loss(self, real, fake, real_target=1.0):
        return gan_d_loss(real, fake, real_target)

    def g_loss(self, fake, real=None):
        return -F.softplus(fake).mean()  # = E log(1 − D(G(z)))


@OBJECTIVES.register("nonsaturating")
@dataclass
class NonSaturating(Objective):
    """Minimax discriminator, generator maximises log D(G(z)) (strong gradients early on)."""

    def d_loss(self, real, fake, real_target=1.0):
        return gan_d_loss(real, fake, real_target)

    def g_loss(self, fake, real=None):
        return F.softplus(-fake).mean()  # = −E log D(G(z))


@OBJECTIVES.register("fgan")
@dataclass
class FGAN(Objective):
    """Variational divergence minimisation with any registered f-divergence."""

    divergence: str = "gan"
    generator_loss: str = "alternative"
    supports_label_smoothing = False

    def __post_init__(self):
        self.div = DIVERGENCES[self.divergence]

    def d_loss(self, real, fake, real_target=1.0):
        return -self.div.bound(real, fake)

    def g_loss(self, fake, real=None):
        if self.generator_loss == "saturating":
            return -self.div.conj_activation(fake).mean()
        return -self.div.activation(fake).mean()


def build_objective(cfg) -> Objective:
    """Objective from the ``objective`` config section."""
    cls = OBJECTIVES[cfg.name]
    if cls is FGAN:
        return FGAN(divergence=cfg.divergence, generator_loss=cfg.generator_loss)
    return cls()
