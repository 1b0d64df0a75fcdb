"""Class and mode coverage with divgan's evaluator classifier.

- ``classes`` (image runs on MNIST / Fashion-MNIST / digits): each sample is classified by the
  evaluator; a class is *covered* if it receives at least 10% of its uniform share (0.1·n/K) of the
  predictions; reported: classes covered, classes predicted at least once, and KL(predicted class
  histogram ‖ uniform).
- ``stacked_modes`` (Stacked MNIST; Metz et al. 2016, PacGAN): each of the three channels is
  classified by the MNIST evaluator, giving a mode in 0..999 (channel 0 is the hundreds digit); a mode
  is covered if it gets at least one sample; reported: modes covered out of 1,000 and
  KL(mode histogram ‖ uniform). The protocol uses 26,000 samples (``STACKED_N``; ``divgan evaluate``
  draws that many).
"""
from __future__ import annotations

import math

import torch

from . import metric
from .features import run_evaluator

STACKED_N = 26_000


def histogram_stats(labels: torch.Tensor, k: int, min_share: float = 0.0) -> dict:
    """Coverage of ``k`` classes by integer ``labels``: covered (count ≥ max(1, min_share·n/k)),
    hit (count ≥ 1) and KL(histogram ‖ uniform) in nats."""
    counts = torch.bincount(labels.reshape(-1).long(), minlength=k).double()
    n = counts.sum()
    h = counts / n
    kl = float((torch.xlogy(h, h) + h * math.log(k)).sum())
    threshold = max(1.0, min_share * float(n) / k)
    return {"covered": int((counts >= threshold).sum()), "hit": int((counts > 0).sum()), "kl_uniform": kl}


def class_stats(labels: torch.Tensor, k: int) -> dict:
    s = histogram_stats(labels, k, min_share=0.1)
    return {"classes_covered": s["covered"], "classes_hit": s["hit"], "classes_total": k, "class_kl": s["kl_uniform"]}


def stacked_mode_stats(channel_labels: torch.Tensor, classes: int = 10) -> dict:
    """Modes covered / KL to uniform of per-channel labels N×C (mode = Σ c_i·K^(C-1-i))."""
    c = channel_labels.shape[1]
    weights = torch.tensor([classes ** (c - 1 - i) for i in range(c)])
    modes = (channel_labels.long() * weights).sum(1)
    s = histogram_stats(modes, classes ** c)
    return {"modes": s["covered"], "modes_total": classes ** c, "kl_uniform": s["kl_uniform"]}


@metric("classes", applies_to=("image",))
def classes(ctx, samples):
    """Classes covered and KL(class histogram ‖ uniform) under the dataset's evaluator."""
    if getattr(ctx.data, "per_channel_labels", False) or run_evaluator(ctx) is None:
        return {}
    ev = _evaluator(ctx)
    return class_stats(ev.predict(samples), ev.classes)


@metric("stacked_modes", applies_to=("image",))
def stacked_modes(ctx, samples):
    """Stacked MNIST modes covered out of 1,000 and KL to uniform (MNIST evaluator per channel)."""
    if not getattr(ctx.data, "per_channel_labels", False) or run_evaluator(ctx) is None:
        return {}
    ev = _evaluator(ctx)
    return stacked_mode_stats(ev.predict_channels(samples), ev.classes)


def _evaluator(ctx):
    from ..evaluator import load_evaluator

    return load_evaluator(ctx.evaluator)
