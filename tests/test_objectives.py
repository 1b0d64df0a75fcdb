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
