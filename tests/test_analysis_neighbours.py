"""Memorisation: nearest training neighbours, distance statistics and the Fig. 2 figure."""
from __future__ import annotations

import torch

from divgan.analysis.neighbours import memorisation, nearest, neighbours_figure
from divgan.evaluator import labelled_images


def test_nearest_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    q, t = torch.randn(30, 5, generator=g), torch.randn(80, 5, generator=g)
    d, i = nearest(q, t, batch=7)
    full = torch.cdist(q.double(), t.double())
    assert torch.equal(i, full.argmin(1)) and torch.allclose(d, full.min(1).values, atol=1e-9)


def test_copies_of_training_images_are_flagged_and_new_images_are_not():
    x, _ = labelled_images("digits", "train")
    train, test, fresh = x[:600], x[600:900], x[900:1200]
    copies = train[torch.randperm(600, generator=torch.Generator().manual_seed(1))[:300]]
    copied = memorisation(copies, train, test)["pixels"]
    assert copied["sample_mean"] < 1e-6 and copied["ratio"] < 1e-6 and copied["closer_than_test_1pct"] == 1.0
    honest = memorisation(fresh, train, test)["pixels"]
    assert 0.8 < honest["ratio"] < 1.25 and honest["closer_than_test_1pct"] < 0.05


def test_figure_is_written(tmp_path):
    x, _ = labelled_images("digits", "train")
    path = neighbours_figure(x[:6].float() / 127.5 - 1, x[6:200], tmp_path / "nn.png", cols=3)
    assert path.is_file() and path.stat().st_size > 1000
