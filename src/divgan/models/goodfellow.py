"""The MNIST networks of Goodfellow et al. 2014 ("Generative Adversarial Nets", the pylearn2 config).

Generator: z -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid units. divgan's images live in [-1, 1], so the
sigmoid output is rescaled to 2·σ(a) − 1 (the same function family, on the data's range). As in the
pylearn2 config (``init_bias_target_marginals``), the output bias starts at the data's marginal:
``output_bias`` = logit of MNIST's mean intensity (≈ 0.13), so samples start dark, not grey.
Discriminator: two maxout layers of 240 units × 5 pieces with dropout (inputs kept with probability
0.8, hidden units with 0.5), then one logit.

The paper's remaining model details are options, so the ``mnist-goodfellow`` preset can match its
``mnist.yaml`` (goodfeli/adversarial): ``init_range`` r draws every weight from U(−r, r) with zero
biases, pylearn2's ``irange`` (G 0.05, D 0.005; 0 = PyTorch's default init), and the generator's
``noise: uniform`` feeds it z uniform on [−√3, √3] (unit variance, the config's ``noise: 'uniform'``),
obtained from divgan's N(0, I) latent inside the model as √3·erf(z/√2) (2Φ(z) − 1 is uniform on
[−1, 1]), so sampling, interpolation and inversion code see the usual Gaussian z.
"""
from __future__ import annotations

import math

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from ..params import Params
from . import DISCRIMINATORS, GENERATORS, Discriminator
from .conditioning import ConditionalGenerator, DiscriminatorConditioning, GeneratorConditioning


def init_uniform(model: nn.Module, r: float) -> None:
    """pylearn2's ``irange``: every Linear weight U(−r, r), every bias 0 (r = 0: leave the init alone)."""
    if r <= 0:
        return
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -r, r)
            nn.init.zeros_(m.bias)


class Maxout(nn.Module):
    """``units`` maxout units, each the max over ``pieces`` linear pieces (Goodfellow et al. 2013)."""

    def __init__(self, in_features: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # max().values, not amax(): the same values and (barring exact ties) the same gradients, and its
        # backward scatters through the argmax where amax's compares and divides: 1.6x faster per layer
        return self.linear(x).view(x.shape[0], self.units, self.pieces).max(-1).values


@GENERATORS.register("goodfellow")
class GoodfellowGenerator(ConditionalGenerator, nn.Module):
    """z -> ReLU 1200 -> ReLU 1200 -> 2σ(·) − 1, reshaped to the data's shape. Conditional
    (``conditioning``: the label joined to z) and InfoGAN codes (appended to z) as in
    ``conditioning.ConditionalGenerator``; ``noise: uniform`` transforms the noise part of z only."""

    class Params(GeneratorConditioning, Params):
        latent_dim: int = 100
        hidden: list[int] = [1200, 1200]
        output_bias: float = -1.9  # logit(0.13): MNIST's mean pixel intensity
        noise: Literal["gaussian", "uniform"] = Field("gaussian", description="z's distribution: N(0, I), or "
                                                      "uniform on [−√3, √3] (the paper's)")
        init_range: float = Field(0.0, ge=0, description="weights U(−r, r), biases 0 (pylearn2 irange; paper 0.05); "
                                                         "0 = PyTorch's default")

    def __init__(self, p: "GoodfellowGenerator.Params", data_shape):
        super().__init__()
        width = self.setup_conditioning(p, has_batch_norm=False)
        self.data_shape, self.noise_dim = tuple(data_shape), p.latent_dim
        sizes = [width, *p.hidden]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU(True)]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], math.prod(self.data_shape)))
        init_uniform(self.net, p.init_range)
        nn.init.constant_(self.net[-1].bias, p.output_bias)
        self.uniform = p.noise == "uniform"

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.uniform:  # N(0, 1) -> U(−√3, √3), elementwise, on the noise (not on codes)
            z = torch.cat([math.sqrt(3) * torch.erf(z[:, :self.noise_dim] / math.sqrt(2)), z[:, self.noise_dim:]], 1)
        h = z if self.conditioning == "none" else self.condition_input(z, y)
        return (2 * torch.sigmoid(self.net(h)) - 1).reshape(z.shape[0], *self.data_shape)


@DISCRIMINATORS.register("maxout")
class MaxoutDiscriminator(Discriminator):
    """x (flattened) -> dropout -> maxout layers (240 units × 5 pieces), each followed by dropout -> one logit.
    Conditional (``conditioning``) and InfoGAN's Q head as in ``Discriminator``."""

    class Params(DiscriminatorConditioning, Params):
        units: list[int] = [240, 240]
        pieces: int = 5
        input_dropout: float = 0.2
        dropout: float = 0.5
        init_range: float = Field(0.0, ge=0, description="weights U(−r, r), biases 0 (pylearn2 irange; paper 0.005); "
                                                         "0 = PyTorch's default")

    def __init__(self, p: "MaxoutDiscriminator.Params", data_shape):
        super().__init__()
        sizes = [math.prod(data_shape) + self.label_input(p), *p.units]
        layers: list[nn.Module] = [nn.Flatten(), nn.Dropout(p.input_dropout)]
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [Maxout(a, b, p.pieces), nn.Dropout(p.dropout)]  # pylearn2: dropout on every layer's input
        self.body = nn.Sequential(*layers)
        self.feature_dim = sizes[-1]
        self.make_head(p)
        init_uniform(self, p.init_range)
