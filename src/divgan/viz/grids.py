"""Image grids of samples (images in [-1, 1])."""
from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from ..pixels import to_uint8, to_unit  # noqa: F401  (to_uint8: re-exported for old imports)




def save_grid(images: torch.Tensor, path: Path, nrow: int | None = None) -> Path:
    images = images.float().cpu()
    nrow = nrow or max(1, int(len(images) ** 0.5))
    save_image(make_grid(to_unit(images), nrow=nrow, padding=2, pad_value=1.0), str(path))
    return Path(path)
