"""The LAPGAN coarse-to-fine generation chain: for a few fixed noise vectors (columns), each level's
image (rows: coarsest at the top, finest at the bottom, all shown at full size) so that one sees what
every level adds."""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from .grids import save_grid


@torch.no_grad()
def chain_images(G, z: torch.Tensor) -> torch.Tensor:
    """(L·n, C, S, S): row j holds the n samples at level L−1−j, nearest-upsampled to the final size."""
    levels = [x.float().cpu() for x in G.chain(z)]
    size = levels[-1].shape[-1]
    full = [F.interpolate(x, size=(size, size), mode="nearest") for x in levels]
    return torch.cat(full)


def save_chain(trainer, path: Path, n: int = 8) -> Path:
    """The chain figure of a run's generator (``G.chain``) on the run's fixed noise."""
    G = trainer.tricks.sampler(trainer)  # the EMA average when tricks.ema samples
    was = G.training
    G.eval()
    try:
        with trainer.autocast():
            images = chain_images(G, trainer.fixed_z[:n].to(trainer.device))
    finally:
        G.train(was)
    return save_grid(images, path, nrow=len(images) // G.levels)
