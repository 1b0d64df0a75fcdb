"""Image grids of samples (images in [-1, 1])."""
from __future__ import annotations

from pathlib import Path

import torch

from ..pixels import to_uint8, to_unit  # noqa: F401  (to_uint8: re-exported for old imports)




MIN_WIDTH = 512  # px: smaller grids are enlarged by an integer factor (nearest neighbour)


def grid_image(images: torch.Tensor, nrow: int | None = None, min_width: int = MIN_WIDTH) -> torch.Tensor:
    """The images in a grid (C×H×W in [0, 1]), 2 px white gaps, ``nrow`` per row (default: square),
    enlarged by the smallest integer factor that makes it at least ``min_width`` px wide."""
    from torchvision.utils import make_grid  # importing torchvision costs ~2 s: only when a grid is drawn

    images = images.float().cpu()
    nrow = nrow or max(1, int(len(images) ** 0.5))
    g = make_grid(to_unit(images), nrow=nrow, padding=2, pad_value=1.0)
    k = max(1, -(-min_width // g.shape[-1]))
    return g.repeat_interleave(k, 1).repeat_interleave(k, 2) if k > 1 else g


def class_rows(images: torch.Tensor, labels: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, int]:
    """Images reordered to one row per class present (lowest class on top, each row in sampling order)
    and the row length: the most samples of one class (shorter rows are padded with black images)."""
    labels = torch.as_tensor(labels).reshape(-1).long()
    per = [images[labels == k] for k in range(num_classes) if (labels == k).any()]
    width = max(1, max(len(p) for p in per))
    blank = torch.full_like(images[:1], -1.0)  # black
    rows = [torch.cat([p, blank.expand(width - len(p), *images.shape[1:])]) if len(p) < width else p for p in per]
    return torch.cat(rows), width


def save_grid(images: torch.Tensor, path: Path, nrow: int | None = None, min_width: int = MIN_WIDTH) -> Path:
    """``grid_image`` saved as a PNG (64 digits of 16×16: 146 px → 584 px wide)."""
    from torchvision.utils import save_image

    save_image(grid_image(images, nrow, min_width), str(path))
    return Path(path)
