"""Conditional metrics on synthetic inputs with known answers."""
import math

import pytest
import torch

from divgan.errors import DivganError
from divgan.metrics.conditional import component_coverage, conditional_accuracy, frechet_distance, intra_class_fid


def test_conditional_accuracy_overall_and_per_class():
    asked = torch.tensor([0, 0, 0, 0, 1, 1, 2, 2])
    predicted = torch.tensor([0, 0, 0, 1, 1, 0, 2, 2])
    out = conditional_accuracy(predicted, asked, 4)
    assert out["cond_accuracy"] == pytest.approx(6 / 8)
    assert out["cond_accuracy_0"] == pytest.approx(3 / 4) and out["cond_accuracy_1"] == 0.5 and out["cond_accuracy_2"] == 1.0
    assert "cond_accuracy_3" not in out  # never asked for
    with pytest.raises(DivganError):
        conditional_accuracy(predicted, asked[:-1], 4)
    with pytest.raises(DivganError):
        conditional_accuracy(predicted, asked + 2, 4)


def test_frechet_distance_of_gaussians_with_known_moments():
    # FID(N(m1, I), N(m2, 4I)) in d dims = |m1 - m2|² + d(1 + 4 - 2·2) = |Δm|² + d
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20000, 3, generator=g, dtype=torch.float64)
    b = 2 * torch.randn(20000, 3, generator=g, dtype=torch.float64) + torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
    assert frechet_distance(a, b) == pytest.approx(5 + 3, abs=0.25)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-6)


def test_intra_class_fid_compares_each_class_with_its_own_reals():
    g = torch.Generator().manual_seed(1)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0]], dtype=torch.float64)
    real_y = torch.arange(4000) % 2
    real = centres[real_y] + torch.randn(4000, 2, generator=g, dtype=torch.float64)
    asked = torch.arange(4000) % 2
    right = centres[asked] + torch.randn(4000, 2, generator=g, dtype=torch.float64)
    swapped = centres[1 - asked] + torch.randn(4000, 2, generator=g, dtype=torch.float64)
    good, bad = intra_class_fid(right, asked, real, real_y, 3), intra_class_fid(swapped, asked, real, real_y, 3)
    assert good["intra_fid"] < 0.05 and set(good) == {"intra_fid_0", "intra_fid_1", "intra_fid"}  # class 2: no data
    # swapped classes: each class's fakes sit at the other centre, 10 away: FID ≈ 100; unconditional FID ≈ 0
    assert bad["intra_fid_0"] == pytest.approx(100, abs=2) and bad["intra_fid"] == pytest.approx(100, abs=2)
    assert frechet_distance(swapped, real) < 0.5


def test_component_coverage_counts_samples_in_their_asked_component():
    means = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    asked = torch.tensor([0, 0, 1, 1, 2])
    samples = torch.stack([means[0], means[1], means[1] + 0.02, means[1] + 0.5, means[0]])  # std 0.01: 3σ = 0.03
    out = component_coverage(samples, asked, means, std=0.01)
    assert out["cond_high_quality"] == pytest.approx(100 * 2 / 5)
    assert out["cond_modes"] == 2 and out["cond_modes_total"] == 3  # component 2 was asked but never hit
    assert out["cond_high_quality_0"] == 50.0 and out["cond_high_quality_2"] == 0.0
    assert math.isclose(out["cond_high_quality_1"], 50.0)


def test_code_agreement_finds_the_best_matching():
    from divgan.metrics.conditional import code_agreement

    code = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    predicted = torch.tensor([5, 5, 3, 3, 3, 3, 7, 7, 5, 7])  # code 0 -> 5, 1 -> 3, 2 -> 7 (one-to-one)
    out = code_agreement(predicted, code, 10)
    assert out["code_to_class"] == {0: 5, 1: 3, 2: 7}
    assert out["code_agreement"] == pytest.approx(8 / 10)
    # two code values both mostly "3": a one-to-one matching gives only one of them class 3
    out = code_agreement(torch.tensor([3, 3, 3, 3, 1]), torch.tensor([0, 0, 1, 1, 1]), 4)
    assert out["code_agreement"] == pytest.approx(3 / 5)
