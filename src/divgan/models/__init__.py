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


class _FlattenKeepFormat(torch.autograd.Function):
    """Flatten whose backward hands back the gradient in the input's memory format."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        ctx.channels_last = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
        return x.reshape(x.shape[0], -1)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.reshape(ctx.shape)
        return grad.contiguous(memory_format=torch.channels_last) if ctx.channels_last else grad


class Unflatten(nn.Module):
    """(B, C·H·W) -> (B, C, H, W), stored channels_last once ``to_channels_last`` has run (the values are
    the same either way), so that the layers after it, and their backward passes, see one memory format."""

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        self.shape, self.channels_last = tuple(shape), False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], *self.shape)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x


def to_channels_last(model: nn.Module) -> nn.Module:
    """Convert a model's 4-D weights to channels_last and switch its ``Unflatten`` layers to that layout."""
    model.to(memory_format=torch.channels_last)
    for m in model.modules():
        if isinstance(m, Unflatten):
            m.channels_last = True
    return model


class Flatten(nn.Module):
    """``nn.Flatten`` for convolutional bodies that keeps channels_last in the backward pass.

    A plain flatten gives the layers below a contiguous (NCHW) gradient for channels_last activations;
    every backward op of the body then mixes two memory formats, and on the CPU the slow strided kernels
    cost about 2 ms of a 15 ms DCGAN-28 step (bench/throughput.py)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _FlattenKeepFormat.apply(x)


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
