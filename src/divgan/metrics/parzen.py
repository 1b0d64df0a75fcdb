"""Parzen-window log-likelihood, the protocol of Goodfellow et al. 2014 (Table 1: 225 ± 2 nats on MNIST).

A Gaussian Parzen window (isotropic, bandwidth σ) is centred on each of 10,000 generator samples,
pixels scaled to [0, 1]:

    log p(x) = logsumexp_i(−‖x − s_i‖² / 2σ²) − log n − (D/2)·log(2πσ²)

σ is chosen from ``logspace(-1, 0, 10)`` (the grid of Goodfellow's ``parzen_ll.py``) by the mean
log-likelihood of a validation set of 1,000 real images; the reported value is the mean
log-likelihood of the test set (10,000 MNIST test images) ± its standard error. The validation set,
as in ``parzen_ll.py``, is held out from the GAN's training when the run trains on part of the
training split: with ``data.limit`` L (``mnist-goodfellow``: 50,000, the paper's) it is images
L … L + 999 of the full split (the paper's 50,000–50,999). A run that trains on the whole split has
no held-out training images: then it is the last 1,000 of the 10,000 training images the feature
metrics use (which the real-data reference therefore does not use) — seen in training, which
favours a memorising generator's σ only slightly (the test set decides the score). Known to be a poor
likelihood estimate in high dimension (Theis et al. 2016); it is here so the lecture's numbers can be
compared.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache

import torch

from ..pixels import to_unit_double
from . import metric

SIGMAS = torch.logspace(-1, 0, 10).tolist()
N_SAMPLES = 10_000
N_VALID = 1_000


def _flat01(x: torch.Tensor) -> torch.Tensor:
    """Images (uint8, or floats in [-1, 1]) -> float64 rows in [0, 1]."""
    x = to_unit_double(x)
    return x.reshape(len(x), -1)


def parzen_log_likelihood(x: torch.Tensor, centres: torch.Tensor, sigmas, batch: int = 500) -> torch.Tensor:
    """log p(x_j) under Parzen windows on ``centres`` for each σ: shape (len(sigmas), len(x)).
    ``x`` and ``centres`` are N×D float rows; the squared distances are computed once per batch."""
    n, d = centres.shape
    c2 = (centres**2).sum(1)
    out = []
    for xb in x.split(batch):
        d2 = ((xb**2).sum(1, keepdim=True) - 2 * xb @ centres.T + c2).clamp_min(0)
        out.append(torch.stack([
            torch.logsumexp(-d2 / (2 * s * s), 1) - math.log(n) - 0.5 * d * math.log(2 * math.pi * s * s) for s in sigmas
        ]))
    return torch.cat(out, 1)


def parzen(samples: torch.Tensor, valid: torch.Tensor, test: torch.Tensor, sigmas=SIGMAS) -> dict:
    """The Goodfellow et al. protocol: σ by validation mean log-likelihood, then the test mean ± s.e."""
    s, v, t = _flat01(samples), _flat01(valid), _flat01(test)
    ll_valid = parzen_log_likelihood(v, s, sigmas).mean(1)
    best = int(ll_valid.argmax())
    ll = parzen_log_likelihood(t, s, [sigmas[best]])[0]
    return {"parzen_ll": float(ll.mean()), "parzen_se": float(ll.std() / math.sqrt(len(ll))), "parzen_sigma": sigmas[best]}


def parzen_sets(ctx) -> tuple[torch.Tensor, torch.Tensor]:
    """(validation, test) real images of a run for the Parzen protocol."""
    from .features import real_sets

    train, test = real_sets(ctx)
    held = held_out_valid(json.dumps(ctx.data_cfg, sort_keys=True))
    return (train[-N_VALID:] if held is None else held), test


@lru_cache(maxsize=2)
def held_out_valid(section_json: str) -> torch.Tensor | None:
    """Images L … L + N_VALID − 1 of the full split when the run trains on its first L (``data.limit``),
    else None (no held-out training images, or a dataset without stored images)."""
    from ..data import build_dataset

    section = json.loads(section_json)
    limit = section.get("limit")
    if not limit:
        return None
    images = getattr(build_dataset({**section, "limit": None}), "images", None)
    if images is None or len(images) < limit + N_VALID:
        return None
    return images[limit:limit + N_VALID]


@metric("parzen")
def parzen_metric(ctx, samples):
    """Parzen-window log-likelihood of the held-out real images (nats), σ chosen on validation."""
    valid, test = parzen_sets(ctx)
    return parzen(samples[:N_SAMPLES], valid, test)


parzen_metric.reference = "train"  # its real-data reference centres the windows on training images
