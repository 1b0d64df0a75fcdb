"""Loss and metric curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def smooth(y, k: int):
    y = np.asarray(y, dtype=float)
    if k <= 1 or len(y) < k:
        return y
    return np.convolve(y, np.ones(k) / k, mode="valid")


_NOT_CURVES = ("step", "time", "d_loss", "g_loss", "modes_total")
PRIORITY = ("modes", "high_quality", "kl_uniform", "jsd", "kl_pq", "kl_qp", "fid", "kid", "classes", "value")
MAX_PANELS = 6


COLUMNS = 3  # panels per row: up to 7 panels make a 3×3 grid, not a strip


def plot_curves(losses: dict[str, list[float]], metrics: list[dict], path: Path, keys: list[str] | None = None) -> Path:
    """A grid of panels, at most COLUMNS per row: first the smoothed losses per step, then one panel
    per scalar metric over evaluation steps."""
    if keys is None:
        found = {k for m in metrics for k, v in m.items() if isinstance(v, (int, float)) and k not in _NOT_CURVES}
        keys = [k for k in PRIORITY if k in found] + sorted(found - set(PRIORITY))
    keys = keys[:MAX_PANELS]
    panels = 1 + len(keys)
    ncols = min(panels, COLUMNS if panels != 4 else 2)
    nrows = -(-panels // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4 * ncols, 3 * nrows), squeeze=False)
    axes = list(axes.flat)
    for ax in axes[panels:]:
        ax.axis("off")
    ax = axes[0]
    for name, ys in losses.items():
        if ys:
            k = max(1, len(ys) // 100)
            y = smooth(ys, k)
            ax.plot(np.arange(len(y)) + k // 2 + 1, y, label=name, lw=1)
    ax.set_xlabel("step")
    ax.set_title("losses")
    ax.legend(fontsize=8)
    for ax, key in zip(axes[1:], keys):
        pts = [(m["step"], m[key]) for m in metrics if isinstance(m.get(key), (int, float))]
        if pts:
            ax.plot(*zip(*pts), "o-", ms=3)
        ax.set_xlabel("step")
        ax.set_title(key)
    # fixed margins in inches (tick labels, titles): tight_layout would draw the figure once more
    w, h = 4 * ncols, 3 * nrows
    fig.subplots_adjust(left=0.75 / w, right=1 - 0.15 / w, bottom=0.45 / h, top=1 - 0.3 / h, wspace=0.35, hspace=0.45)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return Path(path)
