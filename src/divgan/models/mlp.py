"""Multilayer perceptrons for toy data (and flattened images)."""
from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from ..params import Params
from . import ACTIVATIONS, DISCRIMINATORS, GENERATORS, Discriminator, activation

ActName = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]


def mlp_layers(sizes: list[int], act: str, batch_norm: bool = False, dropout: float = 0.0) -> list[nn.Module]:
    """Linear → (BatchNorm) → activation → (Dropout) for each consecutive pair of sizes."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(a, b))
        if batch_norm:
            layers.append(nn.BatchNorm1d(b))
        layers.append(activation(act))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return layers


@GENERATORS.register("mlp")
class MLPGenerator(nn.Module):
    """z → hidden layers → output of the data's shape (identity, tanh or sigmoid output)."""

    class Params(Params):
        latent_dim: int = 2
        hidden: list[int] = [128, 128]
        activation: ActName = "relu"
        batch_norm: bool = False
        output: ActName = "none"

    def __init__(self, p: "MLPGenerator.Params", data_shape):
        super().__init__()
        self.latent_dim = p.latent_dim
        self.data_shape = tuple(data_shape)
        out = math.prod(self.data_shape)
        self.net = nn.Sequential(
            *mlp_layers([p.latent_dim, *p.hidden], p.activation, p.batch_norm),
            nn.Linear(p.hidden[-1] if p.hidden else p.latent_dim, out),
            activation(p.output),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).reshape(z.shape[0], *self.data_shape)


@DISCRIMINATORS.register("mlp")
class MLPDiscriminator(Discriminator):
    """x (flattened) → hidden layers → one logit."""

    class Params(Params):
        hidden: list[int] = [128, 128]
        activation: ActName = "leaky_relu"
        dropout: float = 0.0

    def __init__(self, p: "MLPDiscriminator.Params", data_shape):
        super().__init__()
        d = math.prod(data_shape)
        self.body = nn.Sequential(nn.Flatten(), *mlp_layers([d, *p.hidden], p.activation, dropout=p.dropout))
        self.feature_dim = p.hidden[-1] if p.hidden else d
        self.make_head()
