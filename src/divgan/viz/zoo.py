"""Metz et al. (2016) Fig. 1: generator samples over training time, one row per number of unrolling
steps (0 = a plain GAN, which hops from mode to mode; 10 = unrolled, which spreads over the modes)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from .toy import square_panel  # noqa: E402


def sample_history(preset: str, steps: int, unroll: int, panels: int, seed: int = 0, n_points: int = 1000,
                   overrides: list[str] | None = None):
    """Train ``preset`` with ``unroll`` look-ahead steps; samples of a fixed z at ``panels`` evenly
    spaced steps (0 and ``steps`` included). Returns (trainer, [(step, samples), ...])."""
    from ..config import load_config
    from ..models.conditioning import sample_latent
    from ..train.trainer import Trainer

    cfg = load_config(preset, [f"tricks.unrolled.steps={unroll}", f"train.steps={steps}", f"seed={seed}",
                               "train.progress=false", *(overrides or [])])
    trainer = Trainer(cfg, log=lambda m: None)
    z = sample_latent(trainer.G, n_points, torch.Generator().manual_seed(seed + 1))
    at = sorted({round(i * steps / max(panels - 1, 1)) for i in range(panels)})
    history = []
    while True:
        if trainer.step in at:
            history.append((trainer.step, trainer.sample(n_points, z=z)))
        if trainer.step >= steps:
            return trainer, history
        trainer.train_step()


def unrolling_figure(preset: str, path, steps: int, unrolls=(0, 10), panels: int = 6, seed: int = 0,
                     overrides: list[str] | None = None) -> Path:
    """The figure: a row of sample snapshots per unrolling count, the target density in the last column."""
    rows = [(k, *sample_history(preset, steps, k, panels, seed, overrides=overrides)) for k in unrolls]
    data = rows[0][1].data
    lo, hi = data.bounds()
    lo, hi = min(lo), max(hi)
    fig, axes = plt.subplots(len(rows), panels + 1, figsize=(2.2 * (panels + 1), 2.3 * len(rows)), squeeze=False)
    target = data.sample(1000, torch.Generator().manual_seed(0)).numpy()
    for r, (k, _, history) in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            s, title = (target, "target") if c == panels else (history[c][1].numpy(), f"step {history[c][0]}")
            ax.scatter(s[:, 0], s[:, 1], s=1.5, c="#1f77b4" if c == panels else "#2ca02c", alpha=0.5, linewidths=0)
            square_panel(ax, lo, hi, title, fontsize=9)
        axes[r][0].set_ylabel(f"{k} unrolling steps", fontsize=10)
    fig.suptitle(f"generator samples over training ({preset}; Metz et al. 2016, Fig. 1)", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path
