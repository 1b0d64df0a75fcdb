"""DiffAugment (Zhao et al. 2020): the same kind of random, differentiable augmentation T is applied to
every discriminator input, real and generated, in the D step and the G step (the ``d_input`` hook), so
D never sees un-augmented data and G's gradient flows through T.

Images (N, C, H, W), as in the paper's code:
- ``color``: brightness + U[−½, ½], saturation × U[0, 2] around the pixel mean over channels, contrast
  × U[½, 1½] around the image mean;
- ``translation``: shift by up to ``translation``·size pixels in each axis, zero padding;
- ``cutout``: a square of side ``cutout``·size set to 0 at a random place.
Vectors (toy data): only a translation makes sense (there is no colour and no spatial layout): each
sample is shifted by U[−t, t] per coordinate, t = ``vector_shift``; ``color`` and ``cutout`` are
refused. Randomness comes from the trainer's generator (exact resume)."""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator

from ..errors import DivganError
from ..params import Params
from . import TRICKS, Trick


def _u(shape, gen, device, lo=0.0, hi=1.0):
    return (torch.rand(shape, generator=gen) * (hi - lo) + lo).to(device)


def color(x, gen):
    n = x.shape[0]
    x = x + _u((n, 1, 1, 1), gen, x.device, -0.5, 0.5).to(x.dtype)
    m = x.mean(dim=1, keepdim=True)
    x = (x - m) * _u((n, 1, 1, 1), gen, x.device, 0.0, 2.0).to(x.dtype) + m
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - m) * _u((n, 1, 1, 1), gen, x.device, 0.5, 1.5).to(x.dtype) + m


def translation(x, gen, ratio: float):
    """Shift each image by integer (dy, dx) ∈ [−r·H, r·H] × [−r·W, r·W], filling with zeros."""
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), generator=gen).to(x.device)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), generator=gen).to(x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    iy = (gy[None] + dy + 1).clamp(0, h + 1)
    ix = (gx[None] + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])  # the zero border the shifted-in pixels read from
    idx = (iy * (w + 2) + ix).reshape(n, 1, h * w).expand(-1, x.shape[1], -1)
    return padded.reshape(n, x.shape[1], -1).gather(2, idx).reshape_as(x)


def cutout(x, gen, ratio: float):
    """Zero a (r·H)×(r·W) square at a random centre of each image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=gen).to(x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=gen).to(x.device)
    gy = torch.arange(h, device=x.device).reshape(1, h, 1)
    gx = torch.arange(w, device=x.device).reshape(1, 1, w)
    inside = ((gy - cy + ch // 2).clamp(min=0) < ch) & ((gy - cy + ch // 2) >= 0) & \
             ((gx - cx + cw // 2) >= 0) & ((gx - cx + cw // 2) < cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


AUGMENTATIONS = {  # name -> (images, generator, params) -> augmented images
    "color": lambda x, gen, p: color(x, gen),
    "translation": lambda x, gen, p: translation(x, gen, p.translation),
    "cutout": lambda x, gen, p: cutout(x, gen, p.cutout),
}


@TRICKS.register("diffaugment")
class DiffAugment(Trick):
    class Params(Params):
        policy: list[Literal["color", "translation", "cutout"]] = Field(
            default_factory=list, description="augmentations, applied in this order; empty = off")
        translation: float = Field(0.125, ge=0.0, le=0.5, description="images: largest shift, fraction of the size")
        cutout: float = Field(0.5, gt=0.0, le=1.0, description="images: side of the cut square, fraction of the size")
        vector_shift: float = Field(0.05, ge=0.0, description="vectors: largest shift per coordinate")

        @field_validator("policy", mode="before")
        @classmethod
        def _split(cls, v):
            return [s for s in v.split(",") if s] if isinstance(v, str) else v

    @staticmethod
    def enabled(p) -> bool:
        return bool(p.policy)

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        self.gen = trainer.gen
        if len(trainer.data.shape) != 3 and set(params.policy) - {"translation"}:
            raise DivganError(f"tricks.diffaugment.policy: for vector data only 'translation' applies; got {params.policy}")

    def d_input(self, x: torch.Tensor, step: int) -> torch.Tensor:
        if x.dim() != 4:
            return x + _u(x.shape, self.gen, x.device, -self.p.vector_shift, self.p.vector_shift).to(x.dtype)
        for name in self.p.policy:
            x = AUGMENTATIONS[name](x, self.gen, self.p)
        return x
