"""Mode-coverage metrics for Gaussian-mixture toys (PacGAN / VEEGAN protocol).

A sample is *high quality* if it lies within 3σ of its nearest mode; a mode is *covered* if it
receives at least one high-quality sample. Reported: modes covered, % high quality and
KL(mode histogram of the high-quality samples ‖ uniform)."""
from __future__ import annotations

import math

import torch

from . import metric


def mode_stats(samples: torch.Tensor, means: torch.Tensor, std: float, n_sigma: float = 3.0) -> dict:
    """Modes covered, % high-quality and KL(histogram ‖ uniform) of ``samples`` (N×D) for ``means`` (K×D)."""
    x = torch.as_tensor(samples, dtype=torch.float64).reshape(len(samples), -1)
    means = torch.as_tensor(means, dtype=torch.float64)
    dist = torch.cdist(x, means)
    d, idx = dist.min(1)
    hq = d <= n_sigma * std
    k = len(means)
    counts = torch.bincount(idx[hq], minlength=k).double()
    covered = int((counts > 0).sum())
    n_hq = int(hq.sum())
    if n_hq > 0:
        h = counts / n_hq
        kl = float((torch.xlogy(h, h) - h * math.log(1.0 / k)).sum())
    else:
        kl = math.log(k)  # no high-quality samples: report the worst case, a point mass
    return {
        "modes": covered,
        "modes_total": k,
        "high_quality": 100.0 * n_hq / len(x),
        "kl_uniform": kl,
    }


@metric("modes", applies_to=("toy",))
def modes(ctx, samples):
    data = ctx.data
    return mode_stats(samples, data.means, data.std)
