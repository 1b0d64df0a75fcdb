"""Image grids of samples (images in [-1, 1])."""
from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float images -> uint8 in 0..255."""
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def save_grid(images: torch.Tensor, path: Path, nrow: int | None = None) -> Path:
    images = images.float().cpu()
    nrow = nrow or max(1, int(len(images) ** 0.5))
    save_image(make_grid((images.clamp(-1, 1) + 1) / 2, nrow=nrow, padding=2, pad_value=1.0), str(path))
    return Path(path)
