"""2-D toy figures: real density contours, the discriminator's D(x) as a heat map, generator samples."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch


def toy_grid(data, n: int = 200):
    """A square n×n grid covering the toy distribution: (xs, ys, points of shape (n², 2))."""
    lo, hi = data.bounds()
    lo, hi = min(lo), max(hi)
    xs = torch.linspace(lo, hi, n)
    gx, gy = torch.meshgrid(xs, xs, indexing="xy")
    return xs, gx, gy, torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)


def snapshot(trainer, n_points: int = 1000, grid: int = 120) -> dict:
    """What one panel needs at the current step: samples and D(x) on a grid (sigmoid of the logit)."""
    _, gx, gy, pts = toy_grid(trainer.data, grid)
    with torch.no_grad():
        logits = trainer.D_eval(pts)
    return {
        "step": trainer.step,
        "samples": trainer.sample(n_points).float().cpu(),
        "d": torch.sigmoid(logits).reshape(grid, grid).float().cpu(),
    }


def square_panel(ax, lo: float, hi: float, title: str, fontsize: int = 10) -> None:
    """A bare square [lo, hi]² panel with a title (every 2-D toy figure uses it)."""
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=fontsize)


PANELS_PER_ROW = 4  # wider strips are unreadable on a laptop screen (issue 21)


def plot_density_panels(data, snapshots: list[dict], path: Path, title: str = "", titles: list[str] | None = None,
                        cols: int = PANELS_PER_ROW) -> Path:
    """One panel per snapshot: D(x) heat map, real-density contours, generator samples
    (panel titles: ``titles``, default "step N"; at most ``cols`` panels a row)."""
    n = len(snapshots)
    cols = min(max(n, 1), cols)
    rows = -(-max(n, 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    grid = snapshots[0]["d"].shape[0] if n else 120
    _, gx, gy, pts = toy_grid(data, grid)
    logp = data.log_prob(pts).reshape(grid, grid).numpy()
    lo, hi = float(gx.min()), float(gx.max())
    titles = titles or [f"step {snap['step']}" for snap in snapshots]
    for ax, snap, panel_title in zip(axes.flat, snapshots, titles):
        im = ax.imshow(snap["d"].numpy(), origin="lower", extent=(lo, hi, lo, hi), cmap="RdBu_r", vmin=0, vmax=1, alpha=0.75)
        ax.contour(gx.numpy(), gy.numpy(), np.exp(logp - logp.max()), levels=[0.01, 0.1, 0.5], colors="k", linewidths=0.6)
        s = snap["samples"].numpy()
        ax.scatter(s[:, 0], s[:, 1], s=2, c="#2ca02c", alpha=0.6, linewidths=0)
        square_panel(ax, lo, hi, panel_title)
    if n:
        fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01, label="D(x)")
    fig.suptitle(title or "samples (green) over the real density (contours) and D(x) (colour)", fontsize=10)
    path = Path(path)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_samples_1d(data, samples: torch.Tensor, path: Path, title: str = "") -> Path:
    """Histogram of 1-D generator samples over the real density."""
    lo, hi = data.bounds()
    xs = torch.linspace(lo[0], hi[0], 400)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(xs.numpy(), data.log_prob(xs[:, None]).exp().numpy(), "k", label="p(x)")
    ax.hist(samples.reshape(-1).numpy(), bins=100, range=(lo[0], hi[0]), density=True, alpha=0.5, label="G samples")
    ax.legend()
    ax.set_title(title)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
