"""Stacked MNIST (Metz et al. 2016; PacGAN): three MNIST digits as the three channels, 1,000 modes.

Built on the fly from the in-memory MNIST tensor: each channel draws from its own epoch-without-
replacement order (seeded by (seed, channel)), so a sample's digits are independent and the run
resumes exactly. ``sample(n, labels=True)`` also returns the mode label 100·d₀ + 10·d₁ + d₂ ∈ 0..999.
"""
from __future__ import annotations

import torch

from . import DATASETS
from .images import MNIST, EpochOrder, ImageParams, to_float


@DATASETS.register("stacked_mnist")
class StackedMNIST:
    """3×28×28 (or 3×size×size) images whose channels are three independent MNIST digits."""

    kind = "image"
    modes = 1000
    evaluator, per_channel_labels = "mnist", True  # the MNIST evaluator on each channel
    num_classes = 1000  # the mode label 100·d₀ + 10·d₁ + d₂

    class Params(ImageParams):
        pass

    def __init__(self, p: "StackedMNIST.Params", rank: int = 0, world_size: int = 1, seed: int = 0, **_context):
        mnist = MNIST(MNIST.Params(**p.model_dump()), seed=seed)
        self.images, self.labels = mnist.images[:, 0], mnist.labels
        self.shape = (3, *self.images.shape[1:])
        self.orders = [EpochOrder(len(self.images), seed * 3 + c + 1, rank, world_size) for c in range(3)]

    def sample(self, n: int, generator: torch.Generator | None = None, labels: bool = False):
        idx = [o.take(n) for o in self.orders]
        x = to_float(torch.stack([self.images[i] for i in idx], 1))
        if not labels:
            return x
        return x, self.labels[idx[0]] * 100 + self.labels[idx[1]] * 10 + self.labels[idx[2]]

    def state_dict(self) -> dict:
        return {"orders": [o.state_dict() for o in self.orders]}

    def load_state_dict(self, state: dict) -> None:
        for o, s in zip(self.orders, state["orders"]):
            o.load_state_dict(s)
