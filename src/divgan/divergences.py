"""The f-divergence catalogue (Nowozin, Cseke & Tomioka 2016, "f-GAN", Tables 1 and 2).

An f-divergence is D_f(P‖Q) = ∫ q(x) f(p(x)/q(x)) dx for a convex f with f(1) = 0. Each entry gives
  f(u), f'(u)                    the generator function and its derivative (u = p/q > 0)
  conjugate(t) = f*(t)           the convex conjugate sup_u (u·t − f(u)) on its domain
  activation(v) = g_f(v)         the f-GAN output activation mapping a critic output v ∈ R into dom f*
  conj_activation(v) = f*(g_f(v)) computed in a numerically stable (log-space) form
  optimal_critic(u) = T* = f'(u) the maximiser of the variational bound E_P[T] − E_Q[f*(T)]
so that D_f(P‖Q) = sup_T E_P[T(x)] − E_Q[f*(T(x))], attained at T*(x) = f'(p(x)/q(x)).

Note on Jensen–Shannon: with f(u) = u log u − (u+1) log((1+u)/2) (the f-GAN table), D_f = 2·JSD,
where JSD(P‖Q) = ½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2. The "gan" entry gives D_f = 2·JSD − log 4.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .registry import Registry

DIVERGENCES: Registry["FDivergence"] = Registry("divergence")

LOG2 = math.log(2.0)
_EXP_MAX = 40.0  # critic outputs beyond this would overflow exp() in fp32 gradients; clamp there


def _exp(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(x.clamp(max=_EXP_MAX))


class _LambertWExp(torch.autograd.Function):
    """w = W(e^a), the principal Lambert W of exp(a), solved in log-space (w + log w = a).

    Needed by the Jeffrey conjugate. The backward uses dw/da = w / (1 + w) and is itself
    differentiable, so second-order (unrolled) gradients work."""

    @staticmethod
    def forward(ctx, a):
        a64 = a.detach().double()
        w = torch.where(a64 > 1.0, a64 - torch.log(a64.clamp(min=1.0)), torch.exp(a64.clamp(max=1.0)))
        w = w.clamp(min=1e-300)
        for _ in range(60):
            w = (w - (w + torch.log(w) - a64) * w / (1.0 + w)).clamp(min=1e-300)
        w = w.to(a.dtype)
        ctx.save_for_backward(w)
        return w

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        return grad * w / (1.0 + w)


def lambertw_exp(a: torch.Tensor) -> torch.Tensor:
    """W(exp(a)) for any real a, without overflow."""
    return _LambertWExp.apply(a)


class FDivergence:
    """One f-divergence. Subclasses define f, f_prime, conjugate, activation and conj_activation."""

    name: str = ""
    label: str = ""
    domain: str = "R"  # the domain of f*, in words
    # f is convex on all of R (not only u > 0): f*(t) is then sup over u ∈ R, as in the f-GAN table.
    # For Pearson this matters: over u ≥ 0 only, f*(t) would be −1 for t < −2, not t²/4 + t.
    f_on_reals: bool = False

    def f(self, u: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def f_prime(self, u: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def conjugate(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def in_domain(self, t: torch.Tensor) -> torch.Tensor:
        return torch.isfinite(t)

    def activation(self, v: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def conj_activation(self, v: torch.Tensor) -> torch.Tensor:
        """f*(g_f(v)), written so that it stays finite for large |v|."""
        return self.conjugate(self.activation(v))

    def optimal_critic(self, u: torch.Tensor) -> torch.Tensor:
        """T*(x) = f'(p(x)/q(x))."""
        return self.f_prime(u)

    def bound(self, v_real: torch.Tensor, v_fake: torch.Tensor) -> torch.Tensor:
        """The variational lower bound E_P[g_f(V)] − E_Q[f*(g_f(V))] from critic outputs."""
        return self.activation(v_real).mean() - self.conj_activation(v_fake).mean()

    def __repr__(self) -> str:
        return f"<divergence {self.name}: {self.label}>"


def register(cls):
    """Class decorator: register an ``FDivergence`` subclass (an instance) under ``cls.name``."""
    inst = cls()
    DIVERGENCES.register(cls.name)(inst)
    return cls


_register = register  # the old private name


@_register
class KL(FDivergence):
    name, label = "kl", "Kullback–Leibler KL(P‖Q)"

    def f(self, u):
        return torch.xlogy(u, u)

    def f_prime(self, u):
        return torch.log(u) + 1.0

    def conjugate(self, t):
        return torch.exp(t - 1.0)

    def activation(self, v):
        return v

    def conj_activation(self, v):
        return _exp(v - 1.0)


@_register
class ReverseKL(FDivergence):
    name, label, domain = "reverse_kl", "reverse KL(Q‖P)", "t < 0"

    def f(self, u):
        return -torch.log(u)

    def f_prime(self, u):
        return -1.0 / u

    def conjugate(self, t):
        return -1.0 - torch.log(-t)

    def in_domain(self, t):
        return t < 0

    def activation(self, v):
        return -_exp(-v)

    def conj_activation(self, v):
        return v.clamp(min=-_EXP_MAX) - 1.0


@_register
class Pearson(FDivergence):
    name, label = "pearson", "Pearson χ² ∫(p−q)²/q"
    f_on_reals = True

    def f(self, u):
        return (u - 1.0) ** 2

    def f_prime(self, u):
        return 2.0 * (u - 1.0)

    def conjugate(self, t):
        return 0.25 * t * t + t

    def activation(self, v):
        return v


@_register
class Neyman(FDivergence):
    name, label, domain = "neyman", "Neyman χ² ∫(p−q)²/p", "t < 1"

    def f(self, u):
        return (1.0 - u) ** 2 / u

    def f_prime(self, u):
        return 1.0 - 1.0 / (u * u)

    def conjugate(self, t):
        return 2.0 - 2.0 * torch.sqrt(1.0 - t)

    def in_domain(self, t):
        return t < 1

    def activation(self, v):
        return 1.0 - _exp(-v)

    def conj_activation(self, v):
        return 2.0 - 2.0 * _exp(-0.5 * v)


@_register
class SquaredHellinger(FDivergence):
    name, label, domain = "hellinger", "squared Hellinger ∫(√p−√q)²", "t < 1"

    def f(self, u):
        return (torch.sqrt(u) - 1.0) ** 2

    def f_prime(self, u):
        return 1.0 - 1.0 / torch.sqrt(u)

    def conjugate(self, t):
        return t / (1.0 - t)

    def in_domain(self, t):
        return t < 1

    def activation(self, v):
        return 1.0 - _exp(-v)

    def conj_activation(self, v):
        return _exp(v) - 1.0


@_register
class Jeffrey(FDivergence):
    name, label = "jeffrey", "Jeffrey KL(P‖Q)+KL(Q‖P)"

    def f(self, u):
        return (u - 1.0) * torch.log(u)

    def f_prime(self, u):
        return torch.log(u) + 1.0 - 1.0 / u

    def conjugate(self, t):
        w = lambertw_exp(1.0 - t)
        return w + 1.0 / w + t - 2.0

    def activation(self, v):
        return v

    def conj_activation(self, v):
        return self.conjugate(v.clamp(max=_EXP_MAX))  # f*(t) ~ e^(t−1) for large t, clamped like KL's


@_register
class JensenShannon(FDivergence):
    name, label, domain = "js", "Jensen–Shannon (D_f = 2·JSD)", "t < log 2"

    def f(self, u):
        return torch.xlogy(u, u) - (u + 1.0) * torch.log((u + 1.0) / 2.0)

    def f_prime(self, u):
        return torch.log(2.0 * u / (1.0 + u))

    def conjugate(self, t):
        return -torch.log(2.0 - torch.exp(t))

    def in_domain(self, t):
        return t < LOG2

    def activation(self, v):
        return LOG2 - F.softplus(-v)

    def conj_activation(self, v):
        return F.softplus(v) - LOG2


@_register
class GAN(FDivergence):
    name, label, domain = "gan", "GAN (D_f = 2·JSD − log 4)", "t < 0"

    def f(self, u):
        return torch.xlogy(u, u) - (u + 1.0) * torch.log(u + 1.0)

    def f_prime(self, u):
        return torch.log(u / (u + 1.0))

    def conjugate(self, t):
        return -torch.log(1.0 - torch.exp(t))

    def in_domain(self, t):
        return t < 0

    def activation(self, v):
        return -F.softplus(-v)

    def conj_activation(self, v):
        return F.softplus(v)


@_register
class TotalVariation(FDivergence):
    name, label, domain = "tv", "total variation ½∫|p−q|", "|t| ≤ ½"
    f_on_reals = True

    def f(self, u):
        return 0.5 * torch.abs(u - 1.0)

    def f_prime(self, u):
        return 0.5 * torch.sign(u - 1.0)

    def conjugate(self, t):
        return t

    def in_domain(self, t):
        return t.abs() <= 0.5

    def activation(self, v):
        return 0.5 * torch.tanh(v)
