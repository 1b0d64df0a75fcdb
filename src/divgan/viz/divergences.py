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
    """``rows``: dicts with "divergence" and fits {"mu", "sigma"[, "samples", "warning"]} under the keys
    of STYLES. A fit with a "warning" (``divgan.fgan1d.divergence_warning``) is drawn dotted and named
    in red in its panel: "DIVERGED: <fits>"."""
    n = len(rows)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.6 * nrows), squeeze=False)
    x = xs.reshape(-1, 1)
    for ax, row in zip(axes.flat, rows):
        ax.fill_between(xs.numpy(), density.numpy(), color="0.85", label="data p(x)")
        diverged = []
        for key, (style, label) in STYLES.items():
            fit = row.get(key)
            if not fit:
                continue
            if fit.get("warning"):
                diverged.append(key)
            if fit.get("samples") is not None:
                samples = fit["samples"][torch.isfinite(fit["samples"])]
                ax.hist(samples.numpy(), bins=80, range=(float(xs[0]), float(xs[-1])), density=True,
                        histtype="step", color=style, label=label, ls=":" if fit.get("warning") else "-")
            elif math.isfinite(fit["mu"]) and math.isfinite(fit["sigma"]):
                q = gaussian_log_prob(fit["mu"], fit["sigma"])(x).exp()
                fmt = style.rstrip("-") + ":" if fit.get("warning") else style  # dotted when diverged
                ax.plot(xs.numpy(), q.numpy(), fmt, lw=1.3, label=label)
        if diverged:
            ax.text(0.02, 0.97, "DIVERGED (dotted): " + ", ".join(diverged), transform=ax.transAxes, va="top",
                    fontsize=8, color="red", weight="bold")
        d = row["direct"]
        ax.set_title(f"{row['divergence']}: μ={round(d['mu'], 2) + 0.0:.2f}, σ={d['sigma']:.2f}", fontsize=9)  # no −0.00
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = [], []
    for ax in axes.flat:  # the union of the panels' entries, in order
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
