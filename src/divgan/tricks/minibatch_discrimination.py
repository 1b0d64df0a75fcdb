"""Minibatch discrimination (Salimans et al. 2016, §3.2): the discriminator sees how similar each
sample is to the rest of its minibatch, so a collapsed generator (all samples alike) is easy to spot.

For features f(x_i) ∈ R^A and a learned tensor T ∈ R^{A×B×C}: M_i = f(x_i)·T ∈ R^{B×C},
c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_{L1}), o(x_i)_b = Σ_j c_b(x_i, x_j) (j over the whole batch,
as in the paper, so o ≥ 1), and the head sees [f(x_i), o(x_i)] ∈ R^{A+B}. ``setup`` replaces
``D.head`` by this layer followed by a new linear head, so it works for every discriminator
(MLP or convolutional) built on the body → features → head split."""
from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

from ..errors import DivganError
from ..models import Discriminator
from ..params import Params
from . import TRICKS, Trick


class MinibatchDiscrimination(nn.Module):
    """Features (N, A) -> (N, A + B): the features with B minibatch-similarity statistics appended."""

    def __init__(self, in_features: int, kernels: int, kernel_dim: int, init_std: float = 0.1, chunk: int = 512):
        super().__init__()
        self.T = nn.Parameter(torch.randn(in_features, kernels, kernel_dim) * init_std)
        self.chunk = chunk  # rows per block: memory O(chunk · N · B) instead of O(N² · B)

    def similarities(self, f: torch.Tensor) -> torch.Tensor:
        """o(x_i)_b = Σ_j exp(−‖M_{i,b} − M_{j,b}‖_1), shape (N, B)."""
        a, b, c = self.T.shape
        m = (f.float() @ self.T.reshape(a, b * c)).reshape(-1, b, c).transpose(0, 1)  # (B, N, C)
        out = [torch.exp(-torch.cdist(rows, m, p=1)).sum(-1) for rows in m.split(self.chunk, dim=1)]
        return torch.cat(out, dim=1).transpose(0, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return torch.cat([f, self.similarities(f).to(f.dtype)], dim=1)


@TRICKS.register("minibatch_discrimination")
class MinibatchDiscriminationTrick(Trick):
    class Params(Params):
        kernels: int = Field(0, ge=0, description="B, number of similarity kernels; 0 = off")
        kernel_dim: int = Field(5, ge=1, description="C, dimension of each kernel")
        init_std: float = Field(0.1, gt=0.0, description="std of T's initial entries")

    @staticmethod
    def enabled(p) -> bool:
        return p.kernels > 0

    def setup(self, trainer) -> None:
        D = trainer.D
        if not (isinstance(D, Discriminator) and type(D).forward is Discriminator.forward and isinstance(D.head, nn.Linear)):
            raise DivganError(f"tricks.minibatch_discrimination needs a discriminator with one linear head on its features "
                              f"(mlp, dcgan, maxout); {trainer.cfg.discriminator['name']!r} has none")
        mbd = MinibatchDiscrimination(D.feature_dim, self.p.kernels, self.p.kernel_dim, self.p.init_std)
        D.head = nn.Sequential(mbd, nn.Linear(D.feature_dim + self.p.kernels, 1)).to(trainer.device)
