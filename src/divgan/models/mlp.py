"""Multilayer perceptrons for toy data (and flattened images)."""
from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from ..params import Params
from . import ACTIVATIONS, DISCRIMINATORS, GENERATORS, Discriminator, activation
from .conditioning import (CondSequential, ConditionalGenerator, DiscriminatorConditioning,
                           GeneratorConditioning, conditional_batch_norm)

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
class MLPGenerator(ConditionalGenerator, nn.Module):
    """z → hidden layers → output of the data's shape (identity, tanh or sigmoid output).
    Conditional (``conditioning``): ``G(z, y)``; see ``conditioning.ConditionalGenerator``."""

    class Params(GeneratorConditioning, Params):
        latent_dim: int = 2
        hidden: list[int] = [128, 128]
        activation: ActName = "relu"
        batch_norm: bool = False
        output: ActName = "none"

    def __init__(self, p: "MLPGenerator.Params", data_shape):
        super().__init__()
        width = self.setup_conditioning(p, has_batch_norm=p.batch_norm and bool(p.hidden))
        self.data_shape = tuple(data_shape)
        out = math.prod(self.data_shape)
        layers = [*mlp_layers([width, *p.hidden], p.activation, p.batch_norm),
                  nn.Linear(p.hidden[-1] if p.hidden else width, out), activation(p.output)]
        if self.use_cbn:
            self.net = CondSequential(*conditional_batch_norm(layers, self.num_classes))
        else:
            self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditioning == "none":
            return self.net(z).reshape(z.shape[0], *self.data_shape)
        h = self.condition_input(z, y)
        h = self.net(h, y) if self.use_cbn else self.net(h)
        return h.reshape(z.shape[0], *self.data_shape)


@DISCRIMINATORS.register("mlp")
class MLPDiscriminator(Discriminator):
    """x (flattened) → hidden layers → one logit. Conditional (``conditioning``): ``D(x, y)``; concat
    joins the label embedding to the flattened input."""

    class Params(DiscriminatorConditioning, Params):
        hidden: list[int] = [128, 128]
        activation: ActName = "leaky_relu"
        dropout: float = 0.0

    def __init__(self, p: "MLPDiscriminator.Params", data_shape):
        super().__init__()
        d = math.prod(data_shape) + self.label_input(p)
        self.body = nn.Sequential(nn.Flatten(), *mlp_layers([d, *p.hidden], p.activation, dropout=p.dropout))
        self.feature_dim = p.hidden[-1] if p.hidden else d
        self.make_head(p)
