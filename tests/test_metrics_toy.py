"""The PacGAN/VEEGAN toy protocol: modes covered, % high quality, KL of the mode histogram to uniform."""
import math

import torch

from divgan.data import build_dataset
from divgan.metrics.toy import mode_stats


def test_real_samples_cover_every_mode_with_kl_near_zero():
    ring = build_dataset({"name": "ring"})
    s = mode_stats(ring.sample(2500, torch.Generator().manual_seed(0)), ring.means, ring.std)
    assert s["modes"] == 8 and s["high_quality"] > 98 and s["kl_uniform"] < 0.01


def test_collapsed_samples_cover_one_mode_with_kl_log_k():
    ring = build_dataset({"name": "ring"})
    collapsed = ring.means[3].float().repeat(100, 1)
    s = mode_stats(collapsed, ring.means, ring.std)
    assert s["modes"] == 1 and s["high_quality"] == 100.0
    assert math.isclose(s["kl_uniform"], math.log(8), rel_tol=1e-9)


def test_far_samples_are_low_quality():
    ring = build_dataset({"name": "ring"})
    s = mode_stats(torch.zeros(50, 2), ring.means, ring.std)  # the centre is 1 away from every mode
    assert s["modes"] == 0 and s["high_quality"] == 0.0
    half = torch.cat([ring.means[:4].float() + 0.02, torch.zeros(4, 2)])  # 0.02·√2 < 3σ = 0.03
    s = mode_stats(half, ring.means, ring.std)
    assert s["modes"] == 4 and s["high_quality"] == 50.0
