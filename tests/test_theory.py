"""The theory checked numerically: D* = p/(p+q), C(G) = −log 4 + 2·JSD, T* = f'(p/q)."""
import json
import math

import pytest
import torch

from divgan.api import train
from divgan.cli import main
from divgan.data.toy import GaussianMixture
from divgan.estimators import gaussian_log_prob, grid
from divgan.objectives import FGAN, OBJECTIVES
from divgan.theory import critic_report, identity, optimal_discriminator, train_critic

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


def _known_q_critic(objective, steps=400):
    g = torch.Generator().manual_seed(0)
    sample_q = lambda n: Q[0] + Q[1] * torch.randn(n, 1, generator=g)
    critic, _ = train_critic(objective, lambda n: MIX.sample(n, g), sample_q, dim=1, steps=steps, batch=256, hidden=(32, 32), lr=3e-3)
    p_s, q_s = MIX.sample(4000, g).double(), sample_q(4000).double()
    with torch.no_grad():
        return critic_report(objective, lambda x: critic(x.float()), MIX.log_prob, gaussian_log_prob(*Q), p_s, q_s)


def test_trained_discriminator_approaches_d_star_when_q_is_known():
    """Minimax D trained for fixed p (bimodal) and known q: |D − D*| is small on average and the game
    value V(D, G) comes close to C(G) = −log 4 + 2·JSD from below (measured: MAE 0.027, gap < 0.02)."""
    rep = _known_q_critic(OBJECTIVES["minimax"]())
    pts, cell = grid([-15.0], [15.0], 6001)
    exact = identity(MIX.log_prob, gaussian_log_prob(*Q), pts, cell)
    assert rep["d_mae"] < 0.05
    assert rep["C_at_D_star"] == pytest.approx(exact["C"], abs=0.03)  # Monte Carlo vs quadrature
    assert rep["C_at_D_star"] == pytest.approx(rep["minus_log4_plus_2jsd"], abs=1e-9)
    assert rep["game_value"] == pytest.approx(exact["C"], abs=0.04)


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
    assert "|D − D*|" in out and "−log 4 + 2·JSD" in out
    rep = json.loads((run.path / "theory.json").read_text())
    assert 0 <= rep["d_mae"] <= 1 and rep["step"] == 200
    assert rep["C_at_D_star"] == pytest.approx(rep["minus_log4_plus_2jsd"], abs=1e-9)
    assert rep["game_value"] <= rep["C_at_D_star"] + 0.1  # V(D, G) ≤ C(G), up to estimation error
    assert (run.path / "theory.png").exists()
    assert main(["theory", str(tmp_path / "missing")]) == 2
