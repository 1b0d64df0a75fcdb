"""Figures of the divergence experiments: one panel per divergence with the 1-D data density and
the Gaussians (or generator samples) fitted to it."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from ..estimators import gaussian_log_prob

STYLES = {"direct": ("k--", "direct minimisation"), "saturating": ("C0-", "game, saturating G loss"),
          "alternative": ("C1-", "game, alternative G loss"), "mlp": ("C2", "game, MLP generator")}


def plot_fits(xs: torch.Tensor, density: torch.Tensor, rows: list[dict], path: Path, title: str = "") -> Path:
    """``rows``: dicts with "divergence" and fits {"mu", "sigma"[, "samples"]} under the keys of STYLES."""
    n = len(rows)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.6 * nrows), squeeze=False)
    x = xs.reshape(-1, 1)
    for ax, row in zip(axes.flat, rows):
        ax.fill_between(xs.numpy(), density.numpy(), color="0.85", label="data p(x)")
        for key, (style, label) in STYLES.items():
            fit = row.get(key)
            if not fit:
                continue
            if fit.get("samples") is not None:
                ax.hist(fit["samples"].numpy(), bins=80, range=(float(xs[0]), float(xs[-1])), density=True,
                        histtype="step", color=style, label=label)
            else:
                q = gaussian_log_prob(fit["mu"], fit["sigma"])(x).exp()
                ax.plot(xs.numpy(), q.numpy(), style, lw=1.3, label=f"{label}")
        d = row["direct"]
        ax.set_title(f"{row['divergence']}: μ={d['mu']:.2f}, σ={d['sigma']:.2f}", fontsize=9)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
