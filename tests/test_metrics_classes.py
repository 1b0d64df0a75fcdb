"""Classes covered and Stacked-MNIST mode counting with the evaluator classifier."""
from __future__ import annotations

import math

import pytest
import torch
from evaluator_helpers import HAVE_MNIST, SHARED_DATA, cache_root, one_thread, trained_evaluator

from divgan.metrics.classes import class_stats, histogram_stats, stacked_mode_stats


def test_histogram_stats_uniform_and_point_mass():
    uniform = torch.arange(1000) % 10
    s = histogram_stats(uniform, 10)
    assert s["covered"] == 10 and s["kl_uniform"] == pytest.approx(0.0, abs=1e-12)
    point = torch.full((1000,), 3)
    assert histogram_stats(point, 10) == {"covered": 1, "hit": 1, "kl_uniform": pytest.approx(math.log(10))}
    # a class with a couple of stray predictions is hit but not covered
    stray = torch.cat([uniform[:990] % 9, torch.tensor([9] * 2)])
    c = class_stats(stray, 10)
    assert c["classes_hit"] == 10 and c["classes_covered"] == 9


def test_stacked_mode_index_is_hundreds_tens_units():
    labels = torch.tensor([[1, 2, 3], [9, 9, 9], [0, 0, 0]])
    assert stacked_mode_stats(labels)["modes"] == 3
    s = stacked_mode_stats(torch.cartesian_prod(torch.arange(10), torch.arange(10), torch.arange(10)))
    assert s["modes"] == 1000 and s["modes_total"] == 1000 and s["kl_uniform"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_MNIST, reason="needs ../shared/data/MNIST")
def test_real_stacked_mnist_covers_about_1000_modes_and_collapse_few(tmp_path_factory, monkeypatch):
    from divgan.data import build_dataset
    from divgan.evaluator import load_evaluator

    monkeypatch.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))
    trained_evaluator(tmp_path_factory, "mnist")
    ev = load_evaluator("mnist")
    data = build_dataset({"name": "stacked_mnist", "root": str(SHARED_DATA), "split": "test"}, seed=0)
    x, modes = data.sample(10_000, torch.Generator().manual_seed(0), labels=True)
    with one_thread():
        real = stacked_mode_stats(ev.predict_channels(x))
        collapsed = stacked_mode_stats(ev.predict_channels(x[:3].repeat(3000, 1, 1, 1)))
    truth = stacked_mode_stats(torch.stack([modes // 100, modes // 10 % 10, modes % 10], 1))
    assert real["modes"] >= 980 and truth["modes"] >= 995
    assert real["kl_uniform"] < 0.15
    assert collapsed["modes"] <= 3 and collapsed["kl_uniform"] > math.log(1000 / 3) - 0.01
