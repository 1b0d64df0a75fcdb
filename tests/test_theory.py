"""The theory checked numerically: D* = p/(p+q), C(G) = −log 4 + 2·JSD, T* = f'(p/q), and the
checks of ``critic_report`` failing where D is far from D*."""
import json
import math

import pytest
import torch

from divgan.api import train
from divgan.cli import main
from divgan.data.toy import GaussianMixture
from divgan.estimators import GaussianKDE, gaussian_log_prob, grid, jsd_grid
from divgan.objectives import FGAN, OBJECTIVES
from divgan.theory import binned_kde, critic_report, identity, jsd_quadrature, optimal_discriminator, train_critic

MIX = GaussianMixture([[-2.0], [2.0]], [0.5])
Q = (0.5, 1.5)  # q = N(0.5, 1.5²), known exactly


def test_optimal_discriminator_is_p_over_p_plus_q():
    lp, lq = torch.tensor([0.0, -1.0, -700.0]), torch.tensor([0.0, -2.0, -1.0])
    d = optimal_discriminator(lp, lq)
    assert torch.allclose(d, torch.tensor([0.5, math.e / (math.e + 1), 0.0], dtype=torch.float64), atol=1e-12)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_value_at_the_optimum_is_minus_log_4_plus_2_jsd(case):
    """C(G) = E_p log D* + E_q log(1 − D*) = −log 4 + 2·JSD(p‖q) = D_gan, three separate quadratures."""
    if case == "1d":
        pts, cell = grid([-15.0], [15.0], 6001)
        log_p, log_q = MIX.log_prob, gaussian_log_prob(*Q)
    else:
        pts, cell = grid([-6.0, -6.0], [6.0, 6.0], 301)
        log_p = GaussianMixture([[1.0, 0.0], [-1.0, 0.0]], [0.5]).log_prob
        log_q = gaussian_log_prob([0.0, 0.3], [1.0, 0.8])
    r = identity(log_p, log_q, pts, cell)
    assert r["C"] == pytest.approx(r["minus_log4_plus_2jsd"], abs=1e-7)
    assert r["C"] == pytest.approx(r["d_gan"], abs=1e-7)
    assert 0 < r["jsd"] < math.log(2)
    # and at q = p the value is exactly −log 4
    same = identity(log_p, log_p, pts, cell)
    assert same["C"] == pytest.approx(-math.log(4), abs=1e-6) and same["jsd"] == pytest.approx(0.0, abs=1e-6)


def _known_q_critic(objective, steps=400, critic_fn=None, jsd_reference=None):
    """critic_report for a critic trained ``steps`` steps on p = MIX and q = N(0.5, 1.5²) (or ``critic_fn``)."""
    g = torch.Generator().manual_seed(0)
    sample_q = lambda n: Q[0] + Q[1] * torch.randn(n, 1, generator=g)
    critic, _ = train_critic(objective, lambda n: MIX.sample(n, g), sample_q, dim=1, steps=steps, batch=256, hidden=(32, 32), lr=3e-3)
    p_s, q_s = MIX.sample(4000, g).double(), sample_q(4000).double()
    with torch.no_grad():
        return critic_report(objective, critic_fn or (lambda x: critic(x.float())), MIX.log_prob, gaussian_log_prob(*Q),
                             p_s, q_s, jsd_reference=jsd_reference)


def _exact_jsd():
    pts, cell = grid([-15.0], [15.0], 6001)
    return jsd_grid(MIX.log_prob, gaussian_log_prob(*Q), pts, cell)


def _checks(rep):
    return {c["name"]: c["ok"] for c in rep["checks"]}


def test_an_untrained_discriminator_is_reported_far_from_d_star():
    """D at initialisation (D ≈ ½ everywhere): V(D, G) ≈ −log 4 sits far below C(G); the check says so."""
    rep = _known_q_critic(OBJECTIVES["minimax"](), steps=0)
    assert rep["gap"] > 0.1 and rep["gap"] == pytest.approx(rep["C_at_D_star"] - rep["game_value"], abs=1e-9)
    assert rep["d_mae"] > 0.1
    checks = _checks(rep)
    assert checks["value_below_optimum"] and not checks["d_optimal"] and not checks["d_mae"]


def test_the_optimal_discriminator_closes_the_gap():
    """With the logit of D* itself as the critic, V(D*, G) = C(G) term by term and |D − D*| = 0."""
    rep = _known_q_critic(OBJECTIVES["minimax"](), steps=0,
                          critic_fn=lambda x: MIX.log_prob(x) - gaussian_log_prob(*Q)(x))
    assert rep["gap"] == pytest.approx(0.0, abs=1e-9) and rep["d_mae"] == pytest.approx(0.0, abs=1e-9)
    assert all(_checks(rep).values())


def test_the_jsd_check_compares_two_estimators_and_can_fail():
    """Monte Carlo JSD (4000 + 4000 samples) against quadrature: agree for the true JSD, not for a wrong one."""
    exact = _exact_jsd()
    good = _known_q_critic(OBJECTIVES["minimax"](), steps=0, jsd_reference=exact)
    assert good["jsd"] == pytest.approx(exact, abs=0.02) and _checks(good)["jsd"]
    bad = _known_q_critic(OBJECTIVES["minimax"](), steps=0, jsd_reference=exact + 0.1)
    assert not _checks(bad)["jsd"]


@pytest.mark.parametrize("dim", [1, 2])
def test_binned_kde_matches_the_exact_kde(dim):
    """The grid KDE of the quadrature JSD, at jsd_quadrature's spacing h/4, against GaussianKDE.log_prob
    at grid nodes: relative error < 6% where q̂ > 10⁻³ of its peak (measured 2.5% in 1-D, 5.2% in 2-D)."""
    scale, shift = torch.tensor([0.5, 1.5][:dim]), torch.tensor([2.0, -1.0][:dim])  # not symmetric in the axes
    x = torch.randn(500, dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * scale + shift
    kde = GaussianKDE(x, 0.3)
    n = 215  # spacing 16/214 ≈ 0.3/4
    lo, hi = torch.full((dim,), -8.0, dtype=torch.float64), torch.full((dim,), 8.0, dtype=torch.float64)
    step = (hi - lo) / (n - 1)
    q = binned_kde(x, kde.h, lo, step, n)
    pts, cell = grid(lo, hi, n)
    exact = kde.log_prob(pts).exp()
    mask = exact > 1e-3 * exact.max()
    assert float(((q - exact).abs() / exact)[mask].max()) < 0.06
    assert float(q.sum() * cell) == pytest.approx(1.0, abs=1e-3)


def test_jsd_quadrature_of_a_kde_matches_the_grid_jsd_of_its_exact_density():
    """jsd_quadrature(data, q̂) against jsd_grid with q̂'s exact log_prob (1-D)."""
    q_s = (Q[0] + Q[1] * torch.randn(2000, 1, generator=torch.Generator().manual_seed(1))).double()
    kde = GaussianKDE(q_s)
    jsd, spacing = jsd_quadrature(MIX, kde)
    pts, cell = grid([-15.0], [15.0], 6001)
    assert jsd == pytest.approx(jsd_grid(MIX.log_prob, kde.log_prob, pts, cell), abs=2e-3)
    assert spacing <= min(MIX.std, kde.h) / 4 + 1e-12


def test_trained_discriminator_approaches_d_star_when_q_is_known():
    """Minimax D trained for fixed p (bimodal) and known q: |D − D*| is small on average and the game
    value V(D, G) comes close to C(G) = −log 4 + 2·JSD from below (measured: MAE 0.027, gap < 0.02)."""
    rep = _known_q_critic(OBJECTIVES["minimax"]())
    pts, cell = grid([-15.0], [15.0], 6001)
    exact = identity(MIX.log_prob, gaussian_log_prob(*Q), pts, cell)
    assert rep["d_mae"] < 0.05
    assert rep["C_at_D_star"] == pytest.approx(exact["C"], abs=0.03)  # Monte Carlo vs quadrature
    assert rep["game_value"] == pytest.approx(exact["C"], abs=0.04)
    assert 0 <= rep["gap"] < 0.05 - 3 * rep["gap_se"]  # V(D, G) ≤ C(G), and close: D near D*
    assert _checks(rep) == {"value_below_optimum": True, "d_optimal": True, "d_mae": True}


def test_fgan_critic_approaches_t_star_when_q_is_known():
    """A KL critic T = V against T* = f'(p/q) = 1 + log(p/q) where both densities are appreciable."""
    rep = _known_q_critic(FGAN("kl"))
    assert rep["t_mae"] < 0.3
    assert rep["bound"] <= rep["divergence"] + 0.05  # the bound stays below D_f (up to Monte Carlo error)
    assert "d_mae" not in rep  # a KL critic is not a discriminator


def test_theory_command_on_a_trained_toy_run(tmp_path, capsys):
    run = train({"data": {"name": "mixture1d"}, "generator": {"name": "mlp", "latent_dim": 2, "hidden": [32, 32]},
                 "discriminator": {"name": "mlp", "hidden": [32, 32]}, "objective": {"name": "nonsaturating"},
                 "train": {"steps": 200, "batch_size": 128, "progress": False}, "eval": {"every": 200, "n_samples": 500}},
                out=tmp_path / "run", log=lambda m: None)
    assert main(["theory", str(run.path), "--n", "1000"]) == 0
    out = capsys.readouterr().out
    assert "|D − D*|" in out and "gap C(G) − V(D, G)" in out and "quadrature" in out
    rep = json.loads((run.path / "theory.json").read_text())
    assert 0 <= rep["d_mae"] <= 1 and rep["step"] == 200
    assert rep["game_value"] <= rep["C_at_D_star"] + 3 * rep["gap_se"]  # V(D, G) ≤ C(G), up to estimation error
    assert {c["name"] for c in rep["checks"]} == {"jsd", "value_below_optimum", "d_optimal", "d_mae"}
    assert rep["jsd"] == pytest.approx(rep["jsd_reference"], abs=0.05)
    assert rep["jsd_kde_mc"] == pytest.approx(rep["jsd_reference"], abs=0.02)  # JSD(p‖q̂) two ways
    assert next(c for c in rep["checks"] if c["name"] == "jsd")["ok"]
    assert (run.path / "theory.png").exists()
    page = (run.path / "report.html").read_text()  # the report page shows theory.png and the checks
    assert "Theory check" in page and page.count("data:image/png") >= 2 and "gap C(G) − V(D, G)" in page
    assert main(["theory", str(tmp_path / "missing")]) == 2


def test_the_run_report_jsd_check_fails_when_the_quadrature_is_wrong(tiny_run, monkeypatch):
    """run_report's JSD check compares the quadrature with Monte Carlo over q̂ (both agree on a trained
    run: test_theory_command_on_a_trained_toy_run); a quadrature off by 0.2 nats must fail it."""
    from divgan import theory
    from divgan.api import load_trainer

    trainer = load_trainer(tiny_run)
    monkeypatch.setattr(theory, "jsd_quadrature", lambda data, kde: (1.0, 0.01))  # JSD ≤ log 2 < 1: impossible
    bad = theory.run_report(trainer, n=400)
    check = next(c for c in bad["checks"] if c["name"] == "jsd")
    assert not check["ok"] and bad["jsd_kde_mc"] <= math.log(2) + 1e-9
