"""The f-divergence catalogue: f, f', f*, g_f and T* checked against each other and against quadrature."""
import math

import pytest
import torch
from scipy.optimize import minimize_scalar

from divgan.data.toy import GaussianMixture
from divgan.estimators import f_divergence_grid, gaussian_log_prob, grid
from divgan.divergences import DIVERGENCES

NAMES = DIVERGENCES.names()
T_VALUES = [-3.0, -1.0, -0.3, 0.0, 0.2, 0.45, 0.8]
PTS, CELL = grid([-14.0], [14.0], 8001)
# pairs with finite values for every divergence (equal component variances keep p/q and q/p bounded
# by exponentials of linear functions, so Pearson and Neyman are finite too)
PAIRS = {
    "gaussians": (gaussian_log_prob(0.0, 1.0), gaussian_log_prob(0.7, 1.0)),
    "mixtures": (GaussianMixture([[-1.0], [1.0]], [1.0]).log_prob,
                 GaussianMixture([[-0.5], [1.2]], [1.0], [0.3, 0.7]).log_prob),
}


def test_catalogue_has_the_nine_divergences():
    assert set(NAMES) == {"kl", "reverse_kl", "pearson", "neyman", "hellinger", "jeffrey", "js", "gan", "tv"}


@pytest.mark.parametrize("name", NAMES)
def test_f_of_one_is_zero(name):
    f1 = float(DIVERGENCES[name].f(torch.tensor(1.0, dtype=torch.float64)))
    # the GAN entry is the f-GAN paper's f(u) = u log u − (u+1) log(u+1): f(1) = −log 4 (D_gan = 2·JSD − log 4)
    assert f1 == pytest.approx(-math.log(4) if name == "gan" else 0.0, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_f_is_convex_and_f_prime_is_its_derivative(name):
    div = DIVERGENCES[name]
    g = torch.Generator().manual_seed(0)
    a, b = torch.exp(torch.empty(2, 2000, dtype=torch.float64).uniform_(-6, 6, generator=g))
    lam = torch.rand(2000, dtype=torch.float64, generator=g)
    assert (div.f(lam * a + (1 - lam) * b) <= lam * div.f(a) + (1 - lam) * div.f(b) + 1e-9).all()
    u = torch.exp(torch.linspace(-4, 4, 101, dtype=torch.float64))
    u = u[(u - 1).abs() > 1e-3]  # TV has a kink at 1
    fd = (div.f(u * (1 + 1e-7)) - div.f(u * (1 - 1e-7))) / (2e-7 * u)
    assert torch.allclose(div.f_prime(u), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_the_numerical_sup(name):
    """f*(t) = sup_{u>0} (u·t − f(u)) at several t of the domain (no absolute value)."""
    div = DIVERGENCES[name]
    checked = 0
    for t in T_VALUES:
        tt = torch.tensor(t, dtype=torch.float64)
        if not bool(div.in_domain(tt)):
            continue
        if div.f_on_reals:  # sup over u ∈ R (Pearson: f*(t) = t²/4 + t for every t, the f-GAN table)
            u = torch.linspace(-60, 60, 240001, dtype=torch.float64)
        else:  # sup over u > 0
            u = torch.exp(torch.linspace(-25, 25, 20001, dtype=torch.float64))
        vals = u * t - div.f(u)
        i = int(vals.argmax())
        lo, hi = float(u[max(i - 1, 0)]), float(u[min(i + 1, len(u) - 1)])
        neg = lambda x: -float(x * t - div.f(torch.tensor(x, dtype=torch.float64)))
        best = minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13})
        sup = max(-best.fun, float(vals.max()))
        assert float(div.conjugate(tt)) == pytest.approx(sup, abs=1e-6), t
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", NAMES)
def test_activation_lands_in_the_domain_and_stable_conjugate_matches(name):
    div = DIVERGENCES[name]
    v = torch.linspace(-12, 12, 241, dtype=torch.float64)
    t = div.activation(v)
    inside = div.in_domain(t)
    assert inside.all()
    ok = inside & (t.abs() < 1e6)
    assert torch.allclose(div.conj_activation(v)[ok], div.conjugate(t)[ok], rtol=1e-6, atol=1e-8)
    # extreme critic outputs: finite values and gradients (float32, as in training)
    ve = torch.tensor([-1e4, -100.0, -30.0, 30.0, 100.0, 1e4], requires_grad=True)
    out = div.activation(ve).sum() - div.conj_activation(ve).sum()
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(ve.grad).all()


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("name", NAMES)
def test_optimal_critic_attains_the_divergence(name, pair):
    """E_P[T*] − E_Q[f*(T*)] = D_f(P‖Q) with T* = f'(p/q), and perturbing T* lowers the bound."""
    div = DIVERGENCES[name]
    log_p, log_q = PAIRS[pair]
    lp, lq = log_p(PTS), log_q(PTS)
    p, q = lp.exp(), lq.exp()
    exact = f_divergence_grid(div, log_p, log_q, PTS, CELL)

    def bound(T):
        return float(((p * T - q * div.conjugate(T)) * CELL).sum())

    t_star = div.optimal_critic(torch.exp(lp - lq))
    assert bound(t_star) == pytest.approx(exact, rel=1e-6, abs=1e-8)
    h = torch.sin(PTS[:, 0])
    for eps in (-0.05, 0.05):
        t = t_star + eps * h
        t = torch.where(div.in_domain(t), t, t_star)
        assert bound(t) < bound(t_star) + 1e-9


def test_named_divergences_match_their_textbook_integrals():
    """D_f is ∫ q f(p/q): Pearson ∫(p−q)²/q, Neyman ∫(p−q)²/p (the slide's formula), Hellinger
    ∫(√p−√q)², TV ½∫|p−q|, Jeffrey KL + reverse KL, JS = 2·JSD, GAN = 2·JSD − log 4."""
    log_p, log_q = PAIRS["mixtures"]
    p, q = log_p(PTS).exp(), log_q(PTS).exp()
    m = 0.5 * (p + q)
    D = {n: f_divergence_grid(n, log_p, log_q, PTS, CELL) for n in NAMES}
    integral = lambda y: float(y.sum() * CELL)
    kl = integral(p * torch.log(p / q))
    rkl = integral(q * torch.log(q / p))
    jsd = 0.5 * integral(p * torch.log(p / m)) + 0.5 * integral(q * torch.log(q / m))
    assert D["kl"] == pytest.approx(kl, rel=1e-9)
    assert D["reverse_kl"] == pytest.approx(rkl, rel=1e-9)
    assert D["pearson"] == pytest.approx(integral((p - q) ** 2 / q), rel=1e-9)
    assert D["neyman"] == pytest.approx(integral((p - q) ** 2 / p), rel=1e-9)
    assert D["hellinger"] == pytest.approx(integral((p.sqrt() - q.sqrt()) ** 2), rel=1e-9)
    assert D["tv"] == pytest.approx(0.5 * integral((p - q).abs()), rel=1e-9)
    assert D["jeffrey"] == pytest.approx(kl + rkl, rel=1e-9)
    assert D["js"] == pytest.approx(2 * jsd, rel=1e-9)
    assert D["gan"] == pytest.approx(2 * jsd - math.log(4), rel=1e-9)


@pytest.mark.parametrize("name, bound_at_saturation", [("neyman", -1.0), ("tv", 0.0)])
def test_bounded_conjugates_leave_a_saturated_critic_without_gradient(name, bound_at_saturation):
    """docs/tricks.md, "Every f-divergence on the ring": for Neyman and TV, f* stays finite up to the edge of its
    domain (f*(1) = 2 − 2√0 = 2; f*(½) = ½), so once the critic's output V is large on real and fake samples
    alike, the bound E_P[g_f(V)] − E_Q[f*(g_f(V))] is flat in V on both sides and sits at sup g_f − sup f*
    (Neyman 1 − 2 = −1, TV ½ − ½ = 0: the values measured on the ring). Hellinger (same g_f as Neyman) has
    f*(t) = t/(1 − t) → ∞ there, so its fake term always pushes V back down."""
    div = DIVERGENCES[name]
    v = torch.tensor([20.0], dtype=torch.float64, requires_grad=True)
    real_term, fake_term = div.activation(v).sum(), div.conj_activation(v).sum()
    (g_real,) = torch.autograd.grad(real_term, v)
    (g_fake,) = torch.autograd.grad(fake_term, v)
    assert abs(float(real_term - fake_term) - bound_at_saturation) < 1e-3
    assert abs(float(g_real)) < 1e-4 and abs(float(g_fake)) < 1e-4  # neyman: e^−20 and e^−10; tv: ½ sech²(20)
    hell = DIVERGENCES["hellinger"]
    (g_hell,) = torch.autograd.grad(hell.conj_activation(v).sum(), v)
    assert float(g_hell) == pytest.approx(math.exp(20.0), rel=1e-9)  # d/dv (e^v − 1)
