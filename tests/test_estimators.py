"""Quadrature, closed forms and KDE estimates of divergences agree with each other."""
import math

import pytest
import torch

from divgan.data.toy import GaussianMixture
from divgan.estimators import (GaussianKDE, f_divergence_grid, f_of_log_ratio, gaussian_kl, gaussian_log_prob, grid, jsd_grid,
                            sample_divergences)
from divgan.metrics import METRICS, metrics_for

MIX = GaussianMixture([[-2.0], [2.0]], [0.5])  # the lecture's bimodal density (mixture1d's default)


@pytest.mark.parametrize("mp,sp,mq,sq", [(0.3, 1.2, -0.5, 0.8), (0.0, 1.0, 0.0, 2.0), (1.0, 0.5, -1.0, 1.5)])
def test_gaussian_kl_closed_form_matches_the_grid_to_1e_4(mp, sp, mq, sq):
    pts, cell = grid([-20.0], [20.0], 8001)
    quad = f_divergence_grid("kl", gaussian_log_prob(mp, sp), gaussian_log_prob(mq, sq), pts, cell)
    assert quad == pytest.approx(gaussian_kl(mp, sp, mq, sq), abs=1e-4)


def test_2d_grid_matches_the_closed_form():
    pts, cell = grid([-9.0, -9.0], [9.0, 9.0], 401)
    p, q = gaussian_log_prob([0.0, 0.5], [1.0, 0.7]), gaussian_log_prob([0.3, 0.0], [1.2, 1.0])
    closed = gaussian_kl([0.0, 0.5], [1.0, 0.7], [0.3, 0.0], [1.2, 1.0])
    assert f_divergence_grid("kl", p, q, pts, cell) == pytest.approx(closed, abs=1e-4)


def test_missing_support_gives_an_infinite_forward_kl():
    pts, cell = grid([-5.0], [5.0], 1001)
    p = gaussian_log_prob(0.0, 1.0)
    q = lambda x: torch.where(x[:, 0] > 0, gaussian_log_prob(0.0, 1.0)(x) + math.log(2), torch.full((len(x),), -math.inf, dtype=torch.float64))
    assert f_divergence_grid("kl", p, q, pts, cell) == math.inf
    assert math.isfinite(f_divergence_grid("reverse_kl", p, q, pts, cell))
    # q tiny but not exactly 0 (a KDE far from its samples): +inf or finite, never NaN
    q_tiny = lambda x: torch.where(x[:, 0] > 0, gaussian_log_prob(0.0, 1.0)(x) + math.log(2), torch.full((len(x),), -1e5, dtype=torch.float64))
    vals = {name: f_divergence_grid(name, p, q_tiny, pts, cell) for name in ("kl", "pearson", "reverse_kl", "js", "tv", "hellinger")}
    assert not any(math.isnan(v) for v in vals.values())
    assert vals["kl"] == pytest.approx(0.5 * 1e5, rel=0.01)  # ∫_{x<0} p·(log p + 1e5) ≈ ½·1e5
    assert vals["pearson"] == math.inf
    assert vals["tv"] == pytest.approx(0.5, abs=5e-3) and vals["hellinger"] == pytest.approx(2 - math.sqrt(2), abs=5e-3)


def test_f_of_log_ratio_extends_below_float64():
    from divgan.divergences import DIVERGENCES
    r = torch.tensor([-5000.0, -800.0, -1.0, 0.0, 3.0], dtype=torch.float64)
    assert torch.allclose(f_of_log_ratio(DIVERGENCES["reverse_kl"], r), -r)  # f(u) = −log u = −r exactly
    assert torch.allclose(f_of_log_ratio(DIVERGENCES["kl"], r)[:2], torch.zeros(2, dtype=torch.float64))  # u log u → 0
    assert torch.allclose(f_of_log_ratio(DIVERGENCES["pearson"], r)[:2], torch.ones(2, dtype=torch.float64))  # (u−1)² → 1


def test_kde_recovers_a_gaussian_density():
    x = torch.randn(4000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    kde = GaussianKDE(x)
    pts = torch.linspace(-2, 2, 41, dtype=torch.float64)[:, None]
    err = (kde.log_prob(pts).exp() - gaussian_log_prob(0.0, 1.0)(pts).exp()).abs().max()
    assert err < 0.03
    assert 0.1 < kde.h < 0.5  # Silverman's rule for N(0,1), n=4000: 0.9·4000^(−1/5) ≈ 0.17


def test_bandwidth_rules():
    x = torch.randn(1000, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert GaussianKDE(x, "scott").h == pytest.approx(float(x.std()) * 1000 ** -0.2)
    assert GaussianKDE(x, 0.3).h == 0.3
    with pytest.raises(ValueError):
        GaussianKDE(x, "nope")


def test_sample_estimates_agree_with_the_grid():
    """Stated tolerance: n = 5,000 samples of q (and of p), held-out bandwidth: |ΔKL| < 0.1 nats, |ΔJSD| < 0.02."""
    g = torch.Generator().manual_seed(0)
    mu, sigma = 0.5, 1.5
    q_samples = mu + sigma * torch.randn(5000, 1, generator=g, dtype=torch.float64)
    p_samples = MIX.sample(5000, g)
    est = sample_divergences(MIX.log_prob, p_samples, q_samples)
    pts, cell = grid([-15.0], [15.0], 6001)
    lq = gaussian_log_prob(mu, sigma)
    assert est["kl_pq"] == pytest.approx(f_divergence_grid("kl", MIX.log_prob, lq, pts, cell), abs=0.1)
    assert est["kl_qp"] == pytest.approx(f_divergence_grid("reverse_kl", MIX.log_prob, lq, pts, cell), abs=0.1)
    assert est["jsd"] == pytest.approx(jsd_grid(MIX.log_prob, lq, pts, cell), abs=0.02)


def test_divergence_metric_is_a_toy_default_and_sees_mode_dropping():
    """The tracker: a generator covering both modes has far lower KL(p‖q) than one on a single mode."""
    assert "divergence" in metrics_for(["auto"], "toy")

    class FakeTrainer:
        data = MIX

    g = torch.Generator().manual_seed(0)
    both = METRICS["divergence"](FakeTrainer, MIX.sample(2000, g))
    one = METRICS["divergence"](FakeTrainer, 2.0 + 0.5 * torch.randn(2000, 1, generator=g))
    assert set(both) == {"kl_pq", "kl_qp", "jsd"}
    assert abs(both["kl_pq"]) < 0.1 and abs(both["jsd"]) < 0.05
    # q = one of p's two (disjoint) modes: JSD = ¼log(2/3) + ¼log 2 + ½log(4/3) ≈ 0.216
    jsd_one = 0.25 * math.log(2 / 3) + 0.25 * math.log(2) + 0.5 * math.log(4 / 3)
    assert one["kl_pq"] > 2.0 and one["jsd"] == pytest.approx(jsd_one, abs=0.02)
    assert one["kl_qp"] == pytest.approx(math.log(2), abs=0.1)  # reverse KL of one mode = log 2
