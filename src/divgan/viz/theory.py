"""The theory-check figure: the trained discriminator D(x) next to the optimum D*(x) = p/(p+q̂)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from .toy import toy_grid


def plot_d_vs_optimal(data, d_fn, log_q, path: Path, title: str = "", n: int = 160) -> Path:
    """2-D: D, D* and |D − D*| as heat maps; 1-D: the curves D, D*, p and q. ``d_fn(x)`` -> D(x) ∈ [0, 1]."""
    from ..theory import optimal_discriminator

    if data.dim == 1:
        lo, hi = data.bounds()
        xs = torch.linspace(lo[0], hi[0], 600, dtype=torch.float64)[:, None]
        lp, lq = data.log_prob(xs), log_q(xs)
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.plot(xs[:, 0], d_fn(xs), "C0", label="trained D(x)")
        ax.plot(xs[:, 0], optimal_discriminator(lp, lq), "k--", label="D*(x) = p/(p+q)")
        scale = float(max(lp.exp().max(), lq.exp().max()))
        ax.fill_between(xs[:, 0].numpy(), (lp.exp() / scale).numpy(), color="0.85", label="p (scaled)")
        ax.plot(xs[:, 0], lq.exp() / scale, "C2:", label="q (scaled)")
        ax.legend(fontsize=8)
    else:
        xs, gx, gy, pts = toy_grid(data, n)
        pts = pts.double()
        lp, lq = data.log_prob(pts), log_q(pts)
        d, d_star = d_fn(pts).reshape(n, n), optimal_discriminator(lp, lq).reshape(n, n)
        mass = torch.logaddexp(lp, lq).reshape(n, n)
        off = (mass - mass.max()) < math.log(1e-3)  # D* = p/(p+q) is 0/0 where neither has mass: left blank
        d_star = d_star.masked_fill(off, math.nan)
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
        ext = (float(xs[0]), float(xs[-1]), float(xs[0]), float(xs[-1]))
        for ax, img, name in zip(axes, (d, d_star, (d - d_star).abs()), ("trained D(x)", "D*(x) = p/(p+q̂) where p+q̂ > 0", "|D − D*|")):
            im = ax.imshow(img.numpy(), origin="lower", extent=ext, cmap="RdBu_r" if "|" not in name else "magma", vmin=0, vmax=1)
            ax.contour(gx.numpy(), gy.numpy(), np.exp((mass - mass.max()).numpy()), levels=[1e-3], colors="g", linewidths=0.4)
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(im, ax=list(axes), fraction=0.02)
    fig.suptitle(title, fontsize=9)
    path = Path(path)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path
