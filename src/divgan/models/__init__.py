"""Generators and discriminators, registered by name; each is an ``nn.Module`` with a ``Params`` model.

Conventions every model follows:
- a generator maps z ~ N(0, I) of shape (B, latent_dim) to samples of shape (B, *data_shape);
- a discriminator is ``body`` (x -> features of shape (B, feature_dim)) then ``head`` (features ->
  one logit / critic value); ``forward(x)`` returns shape (B,). Tricks that act on features
  (feature matching, minibatch discrimination) use this split, so they work with every model.
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import Registry

GENERATORS: Registry = Registry("generator")
DISCRIMINATORS: Registry = Registry("discriminator")

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "none": nn.Identity,
}


def activation(name: str) -> nn.Module:
    return ACTIVATIONS[name]()


class Flatten(nn.Module):
    """(B, C, H, W) -> (B, H·W·C): feature maps flattened pixel by pixel (channels last).

    For a channels_last activation (the CPU fast path) this is a free view, and so is its backward:
    the layers below get their gradient in their own memory format. The classic (C, H, W) order would
    copy the activation and its gradient and hand an NCHW gradient to channels_last layers, whose
    mixed-format backward kernels are several times slower. Other layouts are copied; the values never
    depend on the layout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x.reshape(x.shape[0], -1)


class Unflatten(nn.Module):
    """(B, H·W·C) -> (B, C, H, W), the inverse of ``Flatten``. In a channels_last model (see
    ``set_memory_format``) this is a free view; otherwise the maps are copied to NCHW."""

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        self.shape, self.channels_last = tuple(shape), False  # (C, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = self.shape
        x = x.reshape(x.shape[0], h, w, c).permute(0, 3, 1, 2)
        return x if self.channels_last else x.contiguous()


def set_memory_format(model: nn.Module, channels_last: bool) -> nn.Module:
    """Put a model's 4-D weights and its ``Unflatten`` layers in one memory format, NHWC or NCHW, so
    that no kernel mixes the two (the values never depend on the format)."""
    model.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    for m in model.modules():
        if isinstance(m, Unflatten):
            m.channels_last = channels_last
    return model


class Discriminator(nn.Module):
    """Base: subclasses set ``self.body`` and ``self.feature_dim``; the head is a linear layer."""

    body: nn.Module
    feature_dim: int

    def make_head(self) -> None:
        self.head = nn.Linear(self.feature_dim, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor, with_features: bool = False):
        h = self.body(x)
        out = self.head(h).reshape(-1)
        return (out, h) if with_features else out


def _split(section: dict):
    return section["name"], {k: v for k, v in section.items() if k != "name"}


def build_generator(section: dict, data_shape: tuple[int, ...]) -> nn.Module:
    name, kw = _split(section)
    cls = GENERATORS[name]
    return cls(cls.Params(**kw), data_shape)


def build_discriminator(section: dict, data_shape: tuple[int, ...]) -> Discriminator:
    name, kw = _split(section)
    cls = DISCRIMINATORS[name]
    return cls(cls.Params(**kw), data_shape)


from ..plugins import import_all  # noqa: E402

import_all(__name__, __path__)
