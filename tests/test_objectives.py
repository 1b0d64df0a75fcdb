"""The minimax and non-saturating objectives against hand-computed values, and the lecture's
"diminished gradients": the saturating generator loss has vanishing gradient where D(G(z)) → 0."""
import math

import torch

from divgan.objectives import OBJECTIVES, Minimax, NonSaturating, gan_d_loss


def sig(v):
    return 1 / (1 + math.exp(-v))


def test_minimax_losses_equal_hand_computed_values():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    # D maximises mean log D(x) + mean log(1 - D(G(z))); the loss is its negative
    expected_d = -((math.log(sig(2.0)) + math.log(sig(-1.0))) / 2 + (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2)
    assert math.isclose(Minimax().d_loss(real, fake).item(), expected_d, rel_tol=1e-6)
    expected_g = (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2  # G minimises E log(1 - D(G(z)))
    assert math.isclose(Minimax().g_loss(fake).item(), expected_g, rel_tol=1e-6)
    assert math.isclose(Minimax().value(real, fake).item(), -expected_d, rel_tol=1e-6)


def test_nonsaturating_generator_loss_is_minus_log_d():
    fake = torch.tensor([0.5, -3.0])
    expected = -(math.log(sig(0.5)) + math.log(sig(-3.0))) / 2
    assert math.isclose(NonSaturating().g_loss(fake).item(), expected, rel_tol=1e-6)
    assert torch.equal(NonSaturating().d_loss(fake, fake), Minimax().d_loss(fake, fake))


def test_losses_are_stable_at_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    for name in ("minimax", "nonsaturating"):
        obj = OBJECTIVES[name]()
        assert torch.isfinite(obj.d_loss(big, big)) and torch.isfinite(obj.g_loss(big))
    # a confident, correct discriminator has loss ~0, not NaN
    assert gan_d_loss(torch.tensor([1e4]), torch.tensor([-1e4])).item() == 0.0


def test_saturating_gradient_vanishes_where_nonsaturating_does_not():
    """Where D(G(z)) -> 0 (logit very negative) d/dlogit log(1-D) -> 0 but d/dlogit -log D -> -1."""
    grads = {}
    for name in ("minimax", "nonsaturating"):
        v = torch.tensor([-12.0], requires_grad=True)
        OBJECTIVES[name]().g_loss(v).backward()
        grads[name] = v.grad.abs().item()
    assert grads["minimax"] < 1e-5
    assert grads["nonsaturating"] > 0.99


def test_label_smoothing_target_changes_real_term_only():
    real, fake = torch.tensor([3.0]), torch.tensor([-2.0])
    smooth = gan_d_loss(real, fake, 0.9).item()
    expected = -(0.9 * math.log(sig(3.0)) + 0.1 * math.log(1 - sig(3.0))) - math.log(1 - sig(-2.0))
    assert math.isclose(smooth, expected, rel_tol=1e-6)


# ---------------------------------------------------------------- the modern objectives (issue 17)

from divgan.config import load_config  # noqa: E402
from divgan.objectives import build_objective  # noqa: E402

R, Q = torch.tensor([2.0, -0.5, 0.25]), torch.tensor([0.5, -3.0, 1.5])  # critic outputs on real / fake


def softplus(v):
    return math.log1p(math.exp(v))


def test_wasserstein_losses_and_value_are_the_critic_gap():
    obj = OBJECTIVES["wasserstein"]()
    gap = (2.0 - 0.5 + 0.25) / 3 - (0.5 - 3.0 + 1.5) / 3  # E_p[C] − E_q[C]
    assert math.isclose(obj.d_loss(R, Q).item(), -gap, rel_tol=1e-6)
    assert math.isclose(obj.value(R, Q).item(), gap, rel_tol=1e-6)
    assert math.isclose(obj.g_loss(Q).item(), -(0.5 - 3.0 + 1.5) / 3, rel_tol=1e-6)


def test_hinge_losses_equal_hand_computed_values():
    obj = OBJECTIVES["hinge"]()
    real_term = (max(0, 1 - 2.0) + max(0, 1 + 0.5) + max(0, 1 - 0.25)) / 3
    fake_term = (max(0, 1 + 0.5) + max(0, 1 - 3.0) + max(0, 1 + 1.5)) / 3
    assert math.isclose(obj.d_loss(R, Q).item(), real_term + fake_term, rel_tol=1e-6)
    assert math.isclose(obj.g_loss(Q).item(), -(0.5 - 3.0 + 1.5) / 3, rel_tol=1e-6)


def test_least_squares_uses_its_targets():
    obj = build_objective(load_config("ring-vanilla", ["objective.name=least_squares", "objective.a=-1", "objective.b=1",
                                               "objective.c=0"]).objective)
    d = 0.5 * sum((r - 1) ** 2 for r in (2.0, -0.5, 0.25)) / 3 + 0.5 * sum((q + 1) ** 2 for q in (0.5, -3.0, 1.5)) / 3
    assert math.isclose(obj.d_loss(R, Q).item(), d, rel_tol=1e-6)
    assert math.isclose(obj.g_loss(Q).item(), 0.5 * sum(q**2 for q in (0.5, -3.0, 1.5)) / 3, rel_tol=1e-6)
    default = OBJECTIVES["least_squares"]()  # a, b, c = 0, 1, 1
    assert math.isclose(default.g_loss(Q).item(), 0.5 * sum((q - 1) ** 2 for q in (0.5, -3.0, 1.5)) / 3, rel_tol=1e-6)


def test_least_squares_optimal_generator_loss_is_half_pearson_of_p_plus_q_against_2q():
    """Mao et al. 2017 §3.2: with D*(x) = (b p + a q)/(p + q) and b − c = 1, b − a = 2, the generator's
    ½E_{p}[(D* − c)²] + ½E_q[(D* − c)²] equals ½χ²_Pearson(p + q ‖ 2q) = ½∫(2q − (p + q))²/(p + q)."""
    p, q = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64), torch.tensor([0.4, 0.3, 0.2, 0.1], dtype=torch.float64)
    a, b, c = -1.0, 1.0, 0.0
    d_star = (b * p + a * q) / (p + q)
    g = 0.5 * (p * (d_star - c) ** 2).sum() + 0.5 * (q * (d_star - c) ** 2).sum()
    chi2 = ((2 * q - (p + q)) ** 2 / (p + q)).sum()
    assert math.isclose(g.item(), 0.5 * chi2.item(), rel_tol=1e-12)


def test_relativistic_pairs_by_position_and_averaged_uses_batch_means():
    paired = OBJECTIVES["relativistic"]()
    assert paired.needs_real_in_g
    d = sum(softplus(q - r) for r, q in zip((2.0, -0.5, 0.25), (0.5, -3.0, 1.5))) / 3
    g = sum(softplus(r - q) for r, q in zip((2.0, -0.5, 0.25), (0.5, -3.0, 1.5))) / 3
    assert math.isclose(paired.d_loss(R, Q).item(), d, rel_tol=1e-6)
    assert math.isclose(paired.g_loss(Q, R).item(), g, rel_tol=1e-6)
    mr, mq = R.mean().item(), Q.mean().item()
    avg = OBJECTIVES["relativistic"](averaged=True)
    d_avg = sum(softplus(-(r - mq)) for r in R.tolist()) / 3 + sum(softplus(q - mr) for q in Q.tolist()) / 3
    assert math.isclose(avg.d_loss(R, Q).item(), d_avg, rel_tol=1e-6)
    g_avg = sum(softplus(-(q - mr)) for q in Q.tolist()) / 3 + sum(softplus(r - mq) for r in R.tolist()) / 3
    assert math.isclose(avg.g_loss(Q, R).item(), g_avg, rel_tol=1e-6)
