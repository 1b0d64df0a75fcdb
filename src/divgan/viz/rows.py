"""One row of samples per model, labelled (the f-GAN paper's per-divergence MNIST figure)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from ..pixels import to_unit


def plot_sample_rows(rows: dict[str, torch.Tensor], path: Path, title: str = "", data=None) -> Path:
    """``rows``: label -> samples. Images in [-1, 1] (N×C×H×W) give one image strip per label;
    2-D toy samples (N×2) give one scatter panel per label over ``data``'s density."""
    from torchvision.utils import make_grid  # ~2 s of imports: only when drawn

    labels = list(rows)
    first = next(iter(rows.values()))
    if first.dim() == 4:
        height = 1.15 * len(labels)
        fig, axes = plt.subplots(len(labels), 1, figsize=(1.0 * len(first), height), squeeze=False)
        fig.subplots_adjust(top=1 - 0.5 / height, bottom=0.1 / height)  # a fixed margin for the title, whatever the rows
        for ax, label in zip(axes[:, 0], labels):
            strip = make_grid(to_unit(rows[label]), nrow=len(rows[label]), padding=2, pad_value=1.0)
            ax.imshow(strip.permute(1, 2, 0).numpy(), cmap="gray", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    else:
        fig, axes = plt.subplots(1, len(labels), figsize=(2.6 * len(labels), 2.8), squeeze=False)
        lo, hi = data.bounds() if data is not None else ([-2, -2], [2, 2])
        for ax, label in zip(axes[0], labels):
            if data is not None:
                m = data.means.numpy()
                ax.scatter(m[:, 0], m[:, 1], s=30, c="k", marker="x")
            s = rows[label].numpy()
            ax.scatter(s[:, 0], s[:, 1], s=2, c="#2ca02c", alpha=0.5, linewidths=0)
            ax.set_xlim(min(lo), max(hi))
            ax.set_ylim(min(lo), max(hi))
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(label, fontsize=9)
    fig.suptitle(title, fontsize=10)
    path = Path(path)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
