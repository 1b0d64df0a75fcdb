import pytest
import torch
import torch.nn.functional as F

from divgan.errors import DivganError
from tricks_helpers import tiny_trainer


def test_real_target_and_loss():
    t = tiny_trainer("tricks.label_smoothing.real=0.9")
    assert t.tricks.real_target == 0.9
    real, fake = torch.randn(50), torch.randn(50)
    expected = (0.9 * F.softplus(-real) + 0.1 * F.softplus(real)).mean() + F.softplus(fake).mean()
    assert t.objective.d_loss(real, fake, t.tricks.real_target).item() == pytest.approx(expected.item())
    assert tiny_trainer().tricks.real_target == 1.0  # off by default


def test_optimal_discriminator_on_real_data_is_0_9():
    """Only the real term: the loss is minimised at D(x) = sigmoid(logit) = 0.9."""
    t = tiny_trainer("tricks.label_smoothing.real=0.9")
    logit = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([logit], lr=1.0)
    for _ in range(300):
        opt.zero_grad()
        t.objective.d_loss(logit, torch.full((1,), -50.0), t.tricks.real_target).backward()
        opt.step()
    assert torch.sigmoid(logit).item() == pytest.approx(0.9, abs=1e-3)


@pytest.mark.parametrize("objective", ["minimax", "nonsaturating"])
def test_trains_with_gan_objectives(objective):
    t = tiny_trainer("tricks.label_smoothing.real=0.9", f"objective.name={objective}")
    t.train_step()
    assert len(t.losses["d_loss"]) == 1


@pytest.mark.parametrize("divergence", ["kl", "gan"])
def test_fgan_is_rejected_with_a_clear_error(divergence):
    with pytest.raises(DivganError, match="label_smoothing is not defined for objective 'fgan'"):
        tiny_trainer("tricks.label_smoothing.real=0.9", "objective.name=fgan", f"objective.divergence={divergence}")
