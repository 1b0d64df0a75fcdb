"""A Gaussian generator x = μ + σ ⊙ z (learnable μ and log σ, one per data dimension).

The model of the f-GAN 1-D experiment (Nowozin et al. 2016, Sec. 5.1): fitting it by a GAN game can
be compared with minimising each divergence over (μ, σ) directly (``divgan fgan1d``)."""
from __future__ import annotations

import math

import torch
from pydantic import Field
from torch import nn

from ..params import Params
from . import GENERATORS


@GENERATORS.register("gaussian")
class GaussianGenerator(nn.Module):
    """z ~ N(0, I) of the data's dimension → μ + σ ⊙ z."""

    class Params(Params):
        init_mean: float = 0.0
        init_std: float = Field(1.0, gt=0)

    def __init__(self, p: "GaussianGenerator.Params", data_shape):
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.latent_dim = math.prod(self.data_shape)
        self.mu = nn.Parameter(torch.full((self.latent_dim,), float(p.init_mean)))
        self.log_sigma = nn.Parameter(torch.full((self.latent_dim,), math.log(p.init_std)))

    @property
    def sigma(self) -> torch.Tensor:
        return self.log_sigma.exp()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (self.mu + self.sigma * z).reshape(z.shape[0], *self.data_shape)
