"""The divergence tracker for toys: estimated KL(p‖q), KL(q‖p) and JSD(p‖q) between the data p
(exact log-density) and the current generator q (known by its samples).

q is a Gaussian KDE of the evaluation samples, bandwidth by held-out likelihood, mixed with ε = 1e-3
of a uniform density on the data's bounding box so that a missed mode costs a finite amount (see
``divgan.estimators.sample_divergences``). KL(p‖q) uses 1,000 data samples drawn with a fixed seed (never
the training RNG, so evaluation does not change the run) and at most 1,500 of the evaluation's
generator samples (cost: about 50 training steps of the default ring run per evaluation)."""
from __future__ import annotations

import torch

from ..estimators import sample_divergences
from . import metric

N_DATA = 1000
N_MODEL = 1500
FLOOR = 1e-3


@metric("divergence", applies_to=("toy",))
def divergence(ctx, samples):
    data = ctx.data
    real = data.sample(N_DATA, torch.Generator().manual_seed(12345))
    fake = samples.reshape(len(samples), -1)[:N_MODEL]
    est = sample_divergences(data.log_prob, real, fake, floor=FLOOR, box=data.bounds())
    return {"kl_pq": est["kl_pq"], "kl_qp": est["kl_qp"], "jsd": est["jsd"]}
