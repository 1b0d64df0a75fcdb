"""Toy distributions with exact log-densities: mixtures of isotropic Gaussians.

- ``ring``: K Gaussians on a circle (PacGAN protocol: 8 modes, radius 1, std 0.01; Metz et al. 2016:
  radius 2, std 0.02).
- ``grid``: 25 Gaussians with means in {−4,−2,0,2,4}², std 0.05.
- ``mixture1d``: a 1-D Gaussian mixture (the lecture's bimodal density and the f-GAN 1-D experiment).
"""
from __future__ import annotations

import math

import torch
from pydantic import field_validator, model_validator

from ..params import Params
from . import DATASETS


class GaussianMixture:
    """Mixture of Gaussians with per-component isotropic std; exact sampling and log-density."""

    kind = "toy"

    def __init__(self, means, stds, weights=None, **_context):
        self.means = torch.as_tensor(means, dtype=torch.float64).reshape(len(means), -1)
        k, d = self.means.shape
        self.stds = torch.as_tensor(stds, dtype=torch.float64).reshape(-1).expand(k).clone()
        w = torch.ones(k, dtype=torch.float64) if weights is None else torch.as_tensor(weights, dtype=torch.float64)
        self.weights = w / w.sum()
        self.shape = (d,)
        self.dim = d
        self.num_classes = k  # labels=True: the component each sample was drawn from

    @property
    def std(self) -> float:
        """The (largest) component std, used by the 3σ high-quality criterion."""
        return float(self.stds.max())

    def sample(self, n: int, generator: torch.Generator | None = None, labels: bool = False):
        comp = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        x = (self.means[comp] + eps * self.stds[comp, None]).float()
        return (x, comp) if labels else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) for x of shape (N, D) (or (N,) in 1-D)."""
        x = torch.as_tensor(x, dtype=torch.float64).reshape(-1, self.dim)
        d2 = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)
        var = self.stds**2
        comp = -0.5 * d2 / var - 0.5 * self.dim * torch.log(2 * math.pi * var) + torch.log(self.weights)
        return torch.logsumexp(comp, dim=1)

    def bounds(self, margin: float = 4.0) -> tuple[list[float], list[float]]:
        """A box holding essentially all the mass (for grids and plots)."""
        pad = margin * float(self.stds.max()) + 0.25 * float(self.means.abs().max() + 1e-9)
        lo = (self.means.min(0).values - pad).tolist()
        hi = (self.means.max(0).values + pad).tolist()
        return lo, hi

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


@DATASETS.register("ring")
class Ring(GaussianMixture):
    """K Gaussians evenly spaced on a circle (PacGAN protocol defaults)."""

    class Params(Params):
        modes: int = 8
        radius: float = 1.0
        std: float = 0.01

    def __init__(self, p: "Ring.Params", **context):
        ang = torch.arange(p.modes, dtype=torch.float64) * 2 * math.pi / p.modes
        means = torch.stack([p.radius * torch.cos(ang), p.radius * torch.sin(ang)], 1)
        super().__init__(means, [p.std], **context)


@DATASETS.register("grid")
class Grid(GaussianMixture):
    """A side×side grid of Gaussians (default 5×5, means in {−4,−2,0,2,4}², std 0.05)."""

    class Params(Params):
        side: int = 5
        spacing: float = 2.0
        std: float = 0.05

    def __init__(self, p: "Grid.Params", **context):
        c = (torch.arange(p.side, dtype=torch.float64) - (p.side - 1) / 2) * p.spacing
        means = torch.cartesian_prod(c, c)
        super().__init__(means, [p.std], **context)


@DATASETS.register("mixture1d")
class Mixture1D(GaussianMixture):
    """A 1-D Gaussian mixture (default: the lecture's bimodal density)."""

    class Params(Params):
        means: list[float] = [-2.0, 2.0]
        stds: list[float] = [0.5, 0.5]
        weights: list[float] | None = None

        @field_validator("stds")
        @classmethod
        def _positive(cls, v):
            if any(s <= 0 for s in v):
                raise ValueError("every std must be > 0")
            return v

        @model_validator(mode="after")
        def _lengths(self):
            n = len(self.means)
            if len(self.stds) not in (1, n) or (self.weights is not None and len(self.weights) != n):
                raise ValueError("means, stds (or one std) and weights must have the same length")
            return self

    def __init__(self, p: "Mixture1D.Params", **context):
        stds = p.stds if len(p.stds) == len(p.means) else p.stds * len(p.means)
        super().__init__([[m] for m in p.means], stds, p.weights, **context)
