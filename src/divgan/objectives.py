"""Adversarial objectives as pure functions of discriminator (critic) outputs.

Every objective maps raw discriminator outputs (logits / critic values V) to scalar losses that the
training loop *minimises*; they never own optimisers or models.

- ``minimax``: Goodfellow et al. 2014, eq. (1): D maximises E_p[log D(x)] + E_z[log(1 − D(G(z)))],
  G minimises E_z[log(1 − D(G(z)))] (saturating: its gradient vanishes when D(G(z)) → 0).
- ``nonsaturating``: same D; G maximises E_z[log D(G(z))] (the paper's practical alternative).
- ``fgan``: Nowozin et al. 2016: the critic maximises E_P[g_f(V)] − E_Q[f*(g_f(V))]; G minimises the
  same bound (``generator_loss: saturating``) or maximises E_Q[g_f(V(G(z)))] (``alternative``, default).
- ``wasserstein``: Arjovsky et al. 2017: L_D = E_q[C] − E_p[C], L_G = −E_q[C]; with a 1-Lipschitz critic
  (gradient penalty, spectral norm, weight clipping) −L_D estimates W1(p, q) (Kantorovich–Rubinstein).
- ``hinge``: Lim & Ye 2017, Miyato et al. 2018: L_D = E_p[relu(1 − C)] + E_q[relu(1 + C)], L_G = −E_q[C].
- ``least_squares``: Mao et al. 2017: L_D = ½E_p[(C − b)²] + ½E_q[(C − a)²], L_G = ½E_q[(C − c)²].
- ``relativistic``: Jolicoeur-Martineau 2019, Huang et al. 2024 (RpGAN): L_D = E[softplus(C(x_q) −
  C(x_p))], L_G = E[softplus(C(x_p) − C(x_q))], real and fake paired by minibatch position;
  ``averaged``: RaGAN, each side against the other side's batch mean.

With D = sigmoid(logit): log D = −softplus(−logit), log(1 − D) = −softplus(logit).
"""
from __future__ import annotations

import dataclasses
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
    #: an integral-probability-metric critic (unbounded C, L_D = E_q[C] − E_p[C]); weight clipping needs it
    ipm = False
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


@OBJECTIVES.register("wasserstein")
@dataclass
class Wasserstein(Objective):
    """WGAN critic: ``value`` = E_p[C] − E_q[C], the critic's estimate of W1 when C is 1-Lipschitz."""

    supports_label_smoothing = False
    ipm = True  # an integral-probability-metric critic: weight clipping applies

    def d_loss(self, real, fake, real_target=1.0):
        return fake.mean() - real.mean()

    def g_loss(self, fake, real=None):
        return -fake.mean()


@OBJECTIVES.register("hinge")
@dataclass
class Hinge(Objective):
    """Hinge loss (SNGAN, BigGAN); ``value`` = E_p[C] − E_q[C], the margin-free critic gap."""

    supports_label_smoothing = False

    def d_loss(self, real, fake, real_target=1.0):
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def g_loss(self, fake, real=None):
        return -fake.mean()

    def value(self, real, fake):
        return real.mean() - fake.mean()


@OBJECTIVES.register("least_squares")
@dataclass
class LeastSquares(Objective):
    """LSGAN with targets a (fake), b (real) for D and c for G. With b − c = 1 and b − a = 2
    (e.g. a=−1, b=1, c=0) the optimal-D generator loss is ½·Pearson χ²(p + q ‖ 2q) (Mao et al. 2017, §3.2).
    ``value`` = −L_D (larger: D separates better). A smoothed real target y scales b to y·b."""

    a: float = 0.0
    b: float = 1.0
    c: float = 1.0

    def d_loss(self, real, fake, real_target=1.0):
        return 0.5 * (real - real_target * self.b).pow(2).mean() + 0.5 * (fake - self.a).pow(2).mean()

    def g_loss(self, fake, real=None):
        return 0.5 * (fake - self.c).pow(2).mean()


def _pair(real: torch.Tensor, fake: torch.Tensor, averaged: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(C(x_p) − C(x_q), C(x_q) − C(x_p)) per pair, or each side against the other's batch mean."""
    if averaged:
        return real - fake.mean(), fake - real.mean()
    if real.shape != fake.shape:
        raise ValueError(f"relativistic pairing needs as many real as fake outputs; got {real.shape} and {fake.shape}")
    return real - fake, fake - real


@OBJECTIVES.register("relativistic")
@dataclass
class Relativistic(Objective):
    """RpGAN (paired) or RaGAN (``averaged``). L_D = E softplus(−(C(x_p) − C(x_q))) (+ the mirrored term
    for RaGAN); L_G swaps real and fake. ``value`` = E[C(x_p) − C(x_q)], how much more real the reals look."""

    averaged: bool = False
    supports_label_smoothing = False
    needs_real_in_g = True

    def d_loss(self, real, fake, real_target=1.0):
        r, f = _pair(real, fake, self.averaged)
        if self.averaged:
            return F.softplus(-r).mean() + F.softplus(f).mean()
        return F.softplus(-r).mean()

    def g_loss(self, fake, real=None):
        if real is None:
            raise ValueError("the relativistic generator loss needs the critic's outputs on real data")
        r, f = _pair(real, fake, self.averaged)
        if self.averaged:
            return F.softplus(-f).mean() + F.softplus(r).mean()
        return F.softplus(-f).mean()

    def value(self, real, fake):
        return real.mean() - fake.mean()


def build_objective(cfg) -> Objective:
    """Objective from the ``objective`` config section (each class takes the fields it declares)."""
    cls = OBJECTIVES[cfg.name]
    return cls(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(cls)})
