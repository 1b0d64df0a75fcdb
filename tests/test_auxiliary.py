"""AC-GAN and InfoGAN loss terms against hand-computed values, and their gradients."""
import math

import pytest
import torch

from divgan.auxiliary import acgan_loss, gaussian_nll, info_loss
from divgan.errors import DivganError
from divgan.models.conditioning import Aux, Codes, CodeSpec


def test_acgan_loss_is_weighted_cross_entropy():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, -1.0]])
    y = torch.tensor([0, 2])
    ce0 = -math.log(math.exp(2) / (math.exp(2) + 2))
    ce1 = -math.log(math.exp(-1) / (1 + math.e + math.exp(-1)))
    assert acgan_loss(logits, y, weight=0.5).item() == pytest.approx(0.5 * (ce0 + ce1) / 2, rel=1e-6)
    with pytest.raises(DivganError, match="conditioning=acgan"):
        acgan_loss(None, y)


def test_gaussian_nll_by_hand_and_its_minimum():
    mean, logvar, c = torch.tensor([[0.5]]), torch.tensor([[math.log(4.0)]]), torch.tensor([[-0.5]])
    # N(-0.5; 0.5, 4): -log p = 0.5·log(2π·4) + (1)²/(2·4)
    assert gaussian_nll(mean, logvar, c).item() == pytest.approx(0.5 * math.log(2 * math.pi * 4) + 1 / 8, rel=1e-6)
    # for a fixed error e, the NLL is smallest at variance e² (d/dlogvar = 0.5·(1 - e²/σ²))
    lv = torch.tensor([[math.log(1.0)]], requires_grad=True)
    gaussian_nll(torch.tensor([[0.0]]), lv, torch.tensor([[1.0]])).backward()
    assert lv.grad.item() == pytest.approx(0.0, abs=1e-6)


def test_info_loss_sums_the_codes_terms():
    spec = CodeSpec(categorical=[2, 3], continuous=1, weight=2.0, weight_continuous=0.5)
    aux = Aux(None, [torch.tensor([[0.0, 0.0]]), torch.tensor([[math.log(2.0), 0.0, 0.0]])],
              torch.tensor([[0.0]]), torch.tensor([[0.0]]))
    codes = Codes(torch.tensor([[1, 0]]), torch.tensor([[1.0]]))
    ce_a = math.log(2)  # uniform over 2
    ce_b = -math.log(2 / 4)  # p = 2/(2+1+1)
    nll = 0.5 * math.log(2 * math.pi) + 0.5
    assert info_loss(aux, codes, spec).item() == pytest.approx(2.0 * (ce_a + ce_b + 0.5 * nll), rel=1e-6)


def test_info_loss_gradient_pulls_q_towards_the_code():
    spec = CodeSpec(categorical=[3], continuous=1)
    logits = torch.zeros(4, 3, requires_grad=True)
    mean = torch.zeros(4, 1, requires_grad=True)
    codes = Codes(torch.tensor([[0], [1], [2], [0]]), torch.tensor([[1.0], [-1.0], [0.5], [0.0]]))
    info_loss(Aux(None, [logits], mean, torch.zeros(4, 1)), codes, spec).backward()
    # d CE / d logit = (softmax - onehot)/B: negative on the true value; d NLL / d mean = (mean - c)/B
    assert torch.allclose(logits.grad[0], torch.tensor([-2 / 3, 1 / 3, 1 / 3]) / 4, atol=1e-6)
    assert torch.allclose(mean.grad[:, 0], -codes.continuous[:, 0] / 4, atol=1e-6)


def test_info_loss_fixed_std_is_a_unit_gaussian_whatever_q_says():
    """fixed_std (Chen et al.'s code): −log N(c; μ, 1) = ½(c − μ)² + ½ log 2π per code; Q's log-variance
    is ignored."""
    spec = CodeSpec(continuous=2, weight=1.5, weight_continuous=2.0, fixed_std=True)
    mean = torch.tensor([[0.5, -1.0], [0.0, 0.25]], requires_grad=True)
    codes = Codes(torch.zeros(2, 0, dtype=torch.long), torch.tensor([[1.0, 0.0], [-0.5, 0.25]]))
    loss = info_loss(Aux(None, [], mean, torch.full((2, 2), 3.0)), codes, spec)
    sq = [(0.5 ** 2 + 1.0 ** 2), (0.5 ** 2 + 0.0)]  # Σ over the codes of (c − μ)², per sample
    per_sample = [0.5 * v + math.log(2 * math.pi) for v in sq]  # two codes: 2 · ½ log 2π
    assert loss.item() == pytest.approx(1.5 * 2.0 * sum(per_sample) / 2, rel=1e-6)
    loss.backward()  # d/dμ = λ · w · (μ − c) / B
    assert torch.allclose(mean.grad, 1.5 * 2.0 * (mean.detach() - codes.continuous) / 2, atol=1e-6)
    learned = info_loss(Aux(None, [], mean, torch.full((2, 2), 3.0)), codes, spec.model_copy(update={"fixed_std": False}))
    assert learned.item() != pytest.approx(loss.item())  # the log-variance counts without fixed_std


def test_info_loss_needs_a_q_head():
    with pytest.raises(DivganError, match="Q head"):
        info_loss(Aux(torch.zeros(1, 2)), Codes(torch.zeros(1, 0), torch.zeros(1, 0)), CodeSpec())
