"""PacGAN (Lin et al. 2018): the discriminator judges m samples at once. A batch of n real (or n
generated) samples is cut into n/m packs of m consecutive samples, concatenated along the features
(vectors: (n, d) → (n/m, m·d)) or the channels (images: (n, C, H, W) → (n/m, m·C, H, W)); D outputs
one value per pack. A collapsed generator's packs hold m near-identical samples, which real packs
never do, so D can punish the collapse.

``setup`` rebuilds the configured discriminator (any registered model) for the packed shape and
keeps the original's head (so a head changed by another trick, e.g. minibatch discrimination, stays).
In eval mode (figures, ``D_eval``) every sample is judged as a pack of m copies of itself, so a
map of D over points still has one value per point."""
from __future__ import annotations

import torch
from pydantic import Field

from ..errors import DivganError
from ..models import Discriminator, build_discriminator
from ..params import Params
from . import TRICKS, Trick


class Pack(torch.nn.Module):
    """(n, d…) → (n/m, m·d…): m consecutive samples side by side along dim 1."""

    def __init__(self, m: int):
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:  # one value per sample: a pack of m copies
            x = x.repeat_interleave(self.m, dim=0)
        n = x.shape[0]
        if n % self.m:
            raise ValueError(f"packing: a batch of {n} samples is not divisible into packs of {self.m}")
        return x.reshape(n // self.m, self.m * x.shape[1], *x.shape[2:])


class PackedDiscriminator(Discriminator):
    """``Pack`` then the inner discriminator's body (built for m× the channels/features) and head."""

    def __init__(self, inner: Discriminator, m: int):
        super().__init__()
        self.body = torch.nn.Sequential(Pack(m), inner.body)
        self.head = inner.head
        self.feature_dim = inner.feature_dim


def packed_shape(shape: tuple[int, ...], m: int) -> tuple[int, ...]:
    """The data shape a packed D sees: features (vectors) or channels (images) times m."""
    return (shape[0] * m, *shape[1:])


@TRICKS.register("packing")
class Packing(Trick):
    class Params(Params):
        m: int = Field(1, ge=1, description="samples per pack (PacGAN2: 2, PacGAN4: 4); 1 = off")

    @staticmethod
    def enabled(p) -> bool:
        return p.m > 1

    def setup(self, trainer) -> None:
        m, n = self.p.m, trainer.cfg.train.batch_size
        if n % m:
            raise DivganError(f"tricks.packing.m={m} must divide train.batch_size={n}")
        old = trainer.D
        if not isinstance(old, Discriminator) or type(old).forward is not Discriminator.forward:
            raise DivganError(f"tricks.packing needs a discriminator built as body → head; "
                              f"{trainer.cfg.discriminator['name']!r} is not")
        inner = build_discriminator(trainer.cfg.discriminator, packed_shape(trainer.data.shape, m))
        inner.head = old.head
        trainer.D = PackedDiscriminator(inner, m).to(trainer.device)
