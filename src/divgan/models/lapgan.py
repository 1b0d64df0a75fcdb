"""LAPGAN (Denton, Chintala, Szlam & Fergus 2015): a Laplacian pyramid of GANs.

Pyramid of an image I₀: Iₖ₊₁ = d(Iₖ) (2×2 average pooling), lₖ = u(Iₖ₊₁) (bilinear ×2 upsampling),
band-pass hₖ = Iₖ − lₖ; the coarsest image I_{L−1} is kept as is. Reconstruction Iₖ = lₖ + hₖ is exact
by construction. Level k < L−1 has a conditional generator Gₖ(zₖ, lₖ) -> h̃ₖ and a conditional
discriminator Dₖ(h, lₖ); the coarsest level is an unconditional GAN on I_{L−1}. Sampling runs coarse to
fine: Ĩ_{L−1} = G_{L−1}(z), Ĩₖ = u(Ĩₖ₊₁) + Gₖ(zₖ, u(Ĩₖ₊₁)).

Training follows the paper: the levels are independent GANs, each level conditioned on the *real*
coarser image. All levels live in one generator and one discriminator with separate parameters, so
the one training loop trains them together: in training, ``G(z, real)`` (the trainer's conditional
hook) returns every level's (h̃ₖ, lₖ) packed into one tensor, the discriminator packs real images the
same way and returns one logit per level and sample; the mean loss over levels gives each level
exactly its own GAN gradient (scaled by 1/L).

Packing: level k's channels [hₖ, lₖ] (the coarsest: I_{L−1}) are nearest-upsampled ×2ᵏ to full size and
stacked along channels; unpacking takes every 2ᵏ-th pixel, which is exact.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import DivganError
from ..params import Params
from . import DISCRIMINATORS, GENERATORS, Discriminator, Flatten
from .dcgan import dcgan_init
from .mlp import mlp_layers


def downsample(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 2)


def upsample(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def gaussian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[I₀, …, I_{L−1}]: the image at each level, finest first (Iₖ₊₁ = d(Iₖ))."""
    out = [x]
    for _ in range(levels - 1):
        out.append(downsample(out[-1]))
    return out


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[h₀, …, h_{L−2}, I_{L−1}]: band-pass residuals hₖ = Iₖ − u(Iₖ₊₁), finest first, then the coarsest image."""
    images = gaussian_pyramid(x, levels)
    return [images[k] - upsample(images[k + 1]) for k in range(levels - 1)] + [images[-1]]


def reconstruct(pyramid: list[torch.Tensor]) -> torch.Tensor:
    """The image from its pyramid: Iₖ = u(Iₖ₊₁) + hₖ, coarse to fine."""
    x = pyramid[-1]
    for h in reversed(pyramid[:-1]):
        x = upsample(x) + h
    return x


def _check(data_shape, levels: int) -> tuple[int, int]:
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[1] % 2 ** (levels - 1):
        raise DivganError(f"LAPGAN with {levels} levels needs square images whose size divides by {2 ** (levels - 1)}; "
                          f"got {tuple(data_shape)} (resize with data.size=32)")
    return data_shape[0], data_shape[1]


def pack(parts: list[torch.Tensor]) -> torch.Tensor:
    """Per-level tensors (level k at size S/2ᵏ) -> one (B, ΣCₖ, S, S) tensor (nearest ×2ᵏ)."""
    return torch.cat([p if k == 0 else p.repeat_interleave(2 ** k, 2).repeat_interleave(2 ** k, 3)
                      for k, p in enumerate(parts)], 1)


def unpack(x: torch.Tensor, channels: list[int]) -> list[torch.Tensor]:
    """Inverse of ``pack`` (exact: every 2ᵏ-th pixel)."""
    return [c[:, :, ::2 ** k, ::2 ** k] for k, c in enumerate(x.split(channels, 1))]


class LevelGenerator(nn.Module):
    """Gₖ(zₖ, lₖ) -> h̃ₖ: the noise is projected to one extra input plane (as in the paper), then
    3×3 convolutions with batch norm and ReLU; a linear output (residuals take both signs)."""

    def __init__(self, channels: int, size: int, noise_dim: int, width: int, layers: int):
        super().__init__()
        self.size = size
        self.project = nn.Linear(noise_dim, size * size)
        convs: list[nn.Module] = []
        c = channels + 1
        for _ in range(layers - 1):
            convs += [nn.Conv2d(c, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
            c = width
        self.net = nn.Sequential(*convs, nn.Conv2d(c, channels, 3, 1, 1))

    def forward(self, z: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        plane = self.project(z).view(z.shape[0], 1, self.size, self.size).to(low.dtype)
        return self.net(torch.cat([low, plane], 1))


class LevelDiscriminator(nn.Module):
    """Dₖ(h, lₖ) body: stride-2 5×5 convolutions with LeakyReLU(0.2) (and dropout) -> flat features."""

    def __init__(self, in_channels: int, size: int, width: int, layers: int, dropout: float):
        super().__init__()
        convs: list[nn.Module] = []
        c = in_channels
        for i in range(layers):
            convs += [nn.Conv2d(c, width * 2 ** i, 5, 2, 2), nn.LeakyReLU(0.2, True)]
            c, size = width * 2 ** i, (size + 1) // 2
        if dropout > 0:
            convs.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*convs, Flatten())
        self.feature_dim = c * size * size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LAPGANParams(Params):
    levels: int = 3
    width: int = 64  # conv feature maps of the conditional levels
    layers: int = 3  # conv layers per conditional level
    coarse_hidden: list[int] = [512, 512]  # the coarsest level's MLP


@GENERATORS.register("lapgan")
class LAPGANGenerator(nn.Module):
    """Every level's generator; ``G(z)`` samples coarse to fine, ``G(z, real)`` is the training view."""

    conditional = True

    class Params(LAPGANParams):
        latent_dim: int = 100  # the coarsest level's noise
        noise_dim: int = 32  # each finer level's noise (projected to one plane)

    def __init__(self, p: "LAPGANGenerator.Params", data_shape):
        super().__init__()
        self.channels, size = _check(data_shape, p.levels)
        self.levels, self.coarse_dim, self.noise_dim = p.levels, p.latent_dim, p.noise_dim
        self.latent_dim = p.latent_dim + (p.levels - 1) * p.noise_dim
        self.cond = nn.ModuleList(LevelGenerator(self.channels, size // 2 ** k, p.noise_dim, p.width, p.layers)
                                  for k in range(p.levels - 1))
        cs = size // 2 ** (p.levels - 1)
        self.coarse_shape = (self.channels, cs, cs)
        self.coarse = nn.Sequential(*mlp_layers([p.latent_dim, *p.coarse_hidden], "relu", batch_norm=True),
                                    nn.Linear(p.coarse_hidden[-1], self.channels * cs * cs), nn.Tanh())
        dcgan_init(self)

    def _split(self, z: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        return z[:, :self.coarse_dim], list(z[:, self.coarse_dim:].split(self.noise_dim, 1))

    def generate_coarse(self, z0: torch.Tensor) -> torch.Tensor:
        return self.coarse(z0).view(z0.shape[0], *self.coarse_shape)

    def chain(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Coarse-to-fine sampling: [Ĩ_{L−1}, …, Ĩ₀], each level's image (coarsest first)."""
        z0, zs = self._split(z)
        images = [self.generate_coarse(z0)]
        for k in reversed(range(self.levels - 1)):
            low = upsample(images[-1])
            images.append(low + self.cond[k](zs[k], low))
        return images

    def forward(self, z: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        if real is None:
            return self.chain(z)[-1]
        z0, zs = self._split(z)
        images = gaussian_pyramid(real, self.levels)
        parts = []
        for k in range(self.levels - 1):
            low = upsample(images[k + 1])  # conditioned on the real coarser image
            parts.append(torch.cat([self.cond[k](zs[k], low), low], 1))
        parts.append(self.generate_coarse(z0))
        return pack(parts)


@DISCRIMINATORS.register("lapgan")
class LAPGANDiscriminator(Discriminator):
    """Every level's discriminator; returns one logit per level and sample (shape (L·B,))."""

    class Params(LAPGANParams):
        layers: int = 2  # conv layers per conditional level
        dropout: float = 0.5
        coarse_hidden: list[int] = [512, 512]

    def __init__(self, p: "LAPGANDiscriminator.Params", data_shape):
        super().__init__()
        self.channels, size = _check(data_shape, p.levels)
        self.levels = p.levels
        self.split = [2 * self.channels] * (p.levels - 1) + [self.channels]
        self.cond = nn.ModuleList(LevelDiscriminator(2 * self.channels, size // 2 ** k, p.width, p.layers, p.dropout)
                                  for k in range(p.levels - 1))
        cs = size // 2 ** (p.levels - 1)
        self.coarse = nn.Sequential(nn.Flatten(), *mlp_layers([self.channels * cs * cs, *p.coarse_hidden], "leaky_relu", dropout=p.dropout))
        dims = [m.feature_dim for m in self.cond] + [p.coarse_hidden[-1]]
        self.heads = nn.ModuleList(nn.Linear(d, 1) for d in dims)
        self.feature_dim = sum(dims)
        dcgan_init(self)

    def view(self, x: torch.Tensor) -> torch.Tensor:
        """An image batch -> the packed training view [(hₖ, lₖ) per level, I_{L−1}] (packed input: unchanged)."""
        if x.shape[1] != self.channels:
            return x
        images = gaussian_pyramid(x, self.levels)
        lows = [upsample(images[k + 1]) for k in range(self.levels - 1)]
        return pack([torch.cat([images[k] - low, low], 1) for k, low in enumerate(lows)] + [images[-1]])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(self._features(x), 1)

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        parts = unpack(self.view(x), self.split)
        return [m(part) for m, part in zip([*self.cond, self.coarse], parts)]

    def forward(self, x: torch.Tensor, with_features: bool = False):
        feats = self._features(x)
        out = torch.cat([head(f).reshape(-1) for head, f in zip(self.heads, feats)])
        return (out, torch.cat(feats, 1)) if with_features else out
