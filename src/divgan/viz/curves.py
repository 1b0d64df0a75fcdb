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


def plot_curves(losses: dict[str, list[float]], metrics: list[dict], path: Path, keys: list[str] | None = None) -> Path:
    """Left: smoothed losses per step. Right: one line per scalar metric over evaluation steps."""
    if keys is None:
        found = {k for m in metrics for k, v in m.items() if isinstance(v, (int, float)) and k not in _NOT_CURVES}
        keys = [k for k in PRIORITY if k in found] + sorted(found - set(PRIORITY))
    keys = keys[:MAX_PANELS]
    ncols = 1 + len(keys)
    fig, axes = plt.subplots(1, ncols, figsize=(4 * ncols, 3), squeeze=False)
    ax = axes[0][0]
    for name, ys in losses.items():
        if ys:
            k = max(1, len(ys) // 100)
            y = smooth(ys, k)
            ax.plot(np.arange(len(y)) + k // 2 + 1, y, label=name, lw=1)
    ax.set_xlabel("step")
    ax.set_title("losses")
    ax.legend(fontsize=8)
    for ax, key in zip(axes[0][1:], keys):
        pts = [(m["step"], m[key]) for m in metrics if isinstance(m.get(key), (int, float))]
        if pts:
            ax.plot(*zip(*pts), "o-", ms=3)
        ax.set_xlabel("step")
        ax.set_title(key)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return Path(path)
