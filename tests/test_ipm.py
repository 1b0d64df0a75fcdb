"""W1 from quantile functions, a WGAN-GP critic's estimate of it, and the Dirac-GAN dynamics."""
import math

import torch

from divgan.ipm import dirac_gan, exact_w1_1d, normal_icdf, plot_dirac_gan, wgan_gp_estimate


def test_exact_w1_matches_closed_forms_and_the_cdf_integral():
    assert math.isclose(exact_w1_1d(normal_icdf(0, 1), normal_icdf(2, 1)), 2.0, rel_tol=1e-9)  # a shift: |Δμ|
    assert math.isclose(exact_w1_1d(normal_icdf(0, 1), normal_icdf(0, 2)), math.sqrt(2 / math.pi), rel_tol=1e-4)  # E|Z|
    # the other formula, ∫|F_p − F_q| dx, for N(0,1) vs the uniform on [−1, 3]
    x = torch.linspace(-10, 10, 400_001, dtype=torch.float64)
    Fp = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    Fq = ((x + 1) / 4).clamp(0, 1)
    by_cdf = float((Fp - Fq).abs().sum() * (x[1] - x[0]))
    assert math.isclose(exact_w1_1d(normal_icdf(0, 1), lambda u: 4 * u - 1), by_cdf, rel_tol=1e-4)


def test_wgan_gp_critic_estimates_w1():
    """Between N(0,1) and N(1,1) the penalised optimum is a line of slope s = 1 + W1/(2λ) (maximise s·W1 −
    λ(s − 1)²), so the critic's gap is W1 + W1²/(2λ) = 1.05 for λ = 10: within a few % of the exact W1 = 1."""
    est = wgan_gp_estimate(lambda n, g: torch.randn(n, 1, generator=g), lambda n, g: 1 + torch.randn(n, 1, generator=g),
                           steps=300, hidden=32, lam=10.0)
    exact = exact_w1_1d(normal_icdf(0, 1), normal_icdf(1, 1))
    assert abs(est - (exact + exact**2 / 20)) < 0.03
    assert abs(est - exact) / exact < 0.08


def test_dirac_gan_circles_without_regularisation_and_converges_with_r1():
    start = math.sqrt(2.0)  # ‖(1, 1)‖
    sim = dirac_gan(steps=500, lr=0.1)
    alt = dirac_gan(steps=500, lr=0.1, mode="alternating")
    r1 = dirac_gan(steps=500, lr=0.1, gamma=1.0)
    assert sim[-1].norm() > 1.5 * start  # simultaneous steps spiral out
    assert abs(alt.norm(dim=1)[100:].mean() - start) < 0.05 and alt[-1].norm() > 0.9 * start  # alternating circles
    assert r1[-1].norm() < 1e-6  # R1: to the equilibrium (0, 0)
    assert dirac_gan(steps=500, lr=0.1, gamma=1.0, mode="alternating")[-1].norm() < 1e-6


def test_dirac_gan_figure(tmp_path):
    path = plot_dirac_gan(tmp_path / "dirac.png", steps=50)
    assert path.stat().st_size > 10_000
