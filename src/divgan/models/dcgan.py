"""DCGAN (Radford, Metz & Chintala 2016): all-convolutional generator and discriminator.

Generator: z projected to a ``base``×``base`` map by a linear layer (the paper's "project and
reshape": the same function as a base×base transposed convolution of a 1×1 input, 4× faster on the
CPU), then stride-2 transposed convolutions that double the size, batch norm and ReLU on every
hidden layer, tanh output. Discriminator: the mirror, stride-2 convolutions with LeakyReLU(0.2),
batch norm on every layer but the first; its features are the last feature map, flattened.
``fc`` adds a fully connected layer of that many units to either player, as in Chen et al.'s InfoGAN
MNIST networks: in G between z and the projection, in D after the convolutions (then D's features).
Weights are drawn from N(0, 0.02) (batch-norm scales from N(1, 0.02)). Any channel count and any
size ``base·2^k`` with base in 4..7 works: 28 (7·4), 32, 64, 8, 16, 96 (6·16).
"""
from __future__ import annotations

from pydantic import Field
from torch import nn

from ..errors import DivganError
from ..params import Params
from . import DISCRIMINATORS, GENERATORS, Discriminator, Flatten, Unflatten
from .conditioning import (CondSequential, ConditionalGenerator, DiscriminatorConditioning,
                           GeneratorConditioning, conditional_batch_norm)
from .subpixel import ImageConv2d, ImageConvTranspose2d


def dcgan_plan(size: int) -> tuple[int, int]:
    """(base, number of ×2 steps) with size = base·2^steps, 4 ≤ base ≤ 7 (28 -> (7, 2), 64 -> (4, 4))."""
    base, steps = size, 0
    while base % 2 == 0 and base // 2 >= 4:
        base, steps = base // 2, steps + 1
    if base > 7 or steps == 0:
        raise DivganError(f"DCGAN needs an image size base·2^k with base 4..7 and k ≥ 1 (8, 16, 28, 32, 64, ...); got {size}")
    return base, steps


def _check_square(data_shape) -> tuple[int, int]:
    if len(data_shape) != 3 or data_shape[1] != data_shape[2]:
        raise DivganError(f"DCGAN needs square images C×H×H; the data has shape {tuple(data_shape)}")
    return data_shape[0], data_shape[1]


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.'s initialisation: conv weights N(0, 0.02); batch-norm scales N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@GENERATORS.register("dcgan")
class DCGANGenerator(ConditionalGenerator, nn.Module):
    """z (B, latent_dim) -> image (B, C, S, S) in [-1, 1]. Conditional (``conditioning``): ``G(z, y)``;
    concat / acgan join the label embedding to z, projection uses conditional batch norm."""

    class Params(GeneratorConditioning, Params):
        latent_dim: int = 100
        width: int = 64  # feature maps of the last hidden layer; doubled at each coarser layer
        max_width: int = 1024
        fc: int = Field(0, ge=0, description="units of a fully connected hidden layer (batch norm, ReLU) between z "
                        "and the first maps (Chen et al.'s InfoGAN: 1024); 0: none")

    def __init__(self, p: "DCGANGenerator.Params", data_shape):
        super().__init__()
        channels, size = _check_square(data_shape)
        base, steps = dcgan_plan(size)
        width = self.setup_conditioning(p, has_batch_norm=True)
        widths = [min(p.width * 2 ** i, p.max_width) for i in reversed(range(steps))]  # coarse -> fine
        layers: list[nn.Module] = []
        if p.fc:  # Chen et al.'s InfoGAN generator: z -> 1024 units -> the base×base maps
            layers += [nn.Linear(width, p.fc, bias=False), nn.BatchNorm1d(p.fc), nn.ReLU(True)]
            width = p.fc
        layers += [nn.Linear(width, widths[0] * base * base, bias=False),
                   Unflatten((widths[0], base, base)), nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        layers += [ImageConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]
        if self.use_cbn:
            self.net = CondSequential(*conditional_batch_norm(layers, self.num_classes))
        else:
            self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z, y=None):
        if self.conditioning == "none":
            return self.net(z.reshape(z.shape[0], -1))
        h = self.condition_input(z, y)
        return self.net(h, y) if self.use_cbn else self.net(h)


@DISCRIMINATORS.register("dcgan")
class DCGANDiscriminator(Discriminator):
    """image (B, C, S, S) -> stride-2 convolutions down to base×base -> features -> one logit.
    Conditional (``conditioning``): ``D(x, y)``; concat joins the label embedding as constant input
    channels, projection adds ⟨embed(y), features⟩, acgan adds a classifier head."""

    join_channels = True

    class Params(DiscriminatorConditioning, Params):
        width: int = 64  # feature maps of the first layer; doubled at each layer
        max_width: int = 1024
        dropout: float = 0.0
        fc: int = Field(0, ge=0, description="units of a fully connected layer (batch norm, LeakyReLU) after the "
                        "convolutions, D's features (Chen et al.'s InfoGAN: 1024); 0: none")

    def __init__(self, p: "DCGANDiscriminator.Params", data_shape):
        super().__init__()
        channels, size = _check_square(data_shape)
        base, steps = dcgan_plan(size)
        widths = [min(p.width * 2 ** i, p.max_width) for i in range(steps)]
        layers: list[nn.Module] = [ImageConv2d(channels + self.label_input(p), widths[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
        if p.dropout > 0:
            layers.append(nn.Dropout(p.dropout))
        layers.append(Flatten())
        self.feature_dim = widths[-1] * base * base
        if p.fc:  # Chen et al.'s InfoGAN discriminator: the last maps -> 1024 units, shared by D's head and Q
            layers += [nn.Linear(self.feature_dim, p.fc, bias=False), nn.BatchNorm1d(p.fc), nn.LeakyReLU(0.2, True)]
            self.feature_dim = p.fc
        self.body = nn.Sequential(*layers)
        self.make_head(p)
        dcgan_init(self)
