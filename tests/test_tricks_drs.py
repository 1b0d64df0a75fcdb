"""Discriminator rejection sampling: the acceptance rule against hand-computed values, rejection with a
known log-ratio samples the target, fixed z gives fixed samples, exact resume, composition, bad params."""
import copy
import math

import pytest
import torch
from tricks_helpers import run_steps, tiny_trainer

from divgan.errors import DivganError
from divgan.tricks.drs import RejectionSampler, acceptance_logit


def test_acceptance_logit_matches_the_formula_by_hand():
    # F = a − log(1 − e^(a−ε)) − γ with a = D̃ − D̃_max: D̃ = 0.7, D̃_max = 1.2, ε = 0.1, γ = 0.3
    # a = −0.5; 1 − e^(−0.6) = 0.4511883639; −log(0.4511883639) = 0.7958697; F = −0.5 + 0.7958697 − 0.3
    got = acceptance_logit(torch.tensor([0.7]), 1.2, gamma=0.3, eps=0.1)
    assert got.item() == pytest.approx(-0.0041303, abs=1e-6)
    # γ = 0, ε → 0: σ(F) = exp(D̃ − D̃_max), the exact rejection sampler's probability
    logits = torch.tensor([-3.0, -1.0, 0.0, 0.5])
    p = torch.sigmoid(acceptance_logit(logits, 1.0, gamma=0.0, eps=1e-9))
    assert torch.allclose(p.double(), torch.exp(logits.double() - 1.0), rtol=1e-5)
    # at (or above) the maximum: F = −log(1 − e^(−ε)) − γ ≈ −log ε − γ for small ε
    top = acceptance_logit(torch.tensor([1.0, 5.0]), 1.0, gamma=2.0, eps=1e-4)
    assert torch.allclose(top, torch.full((2,), -math.log(-math.expm1(-1e-4)) - 2.0), atol=1e-4)


class Identity(torch.nn.Module):
    latent_dim = 1

    def forward(self, z):
        return z


class LogRatio(torch.nn.Module):
    """log N(x; 0, 0.5²) − log N(x; 0, 1) = log 2 − 1.5 x² (maximum log 2 at x = 0)."""

    def forward(self, x):
        return math.log(2.0) - 1.5 * x.pow(2).sum(1)


def test_rejection_with_the_true_log_ratio_samples_the_target():
    W = RejectionSampler(Identity(), LogRatio(), max_logit=math.log(2.0), gamma=0.0, eps=1e-9, max_rounds=60,
                         conditional=False)
    z = torch.randn(40000, 1, generator=torch.Generator().manual_seed(0))  # q = N(0, 1)
    x = W(z).reshape(-1)
    # target N(0, 0.25): standard error of the sample variance ≈ 0.25·√(2/n) ≈ 0.0018
    assert x.var().item() == pytest.approx(0.25, abs=0.01)
    assert x.pow(4).mean().item() == pytest.approx(3 * 0.25**2, abs=0.01)  # Gaussian 4th moment, not q's 3
    assert W.accepted_fraction == pytest.approx(0.5, abs=0.02)  # 1/M with M = max p/q = 2
    assert torch.equal(W(z).reshape(-1), x)  # a fixed z gives fixed samples


def test_a_fixed_z_samples_the_same_and_ema_is_the_proposal():
    t = run_steps(tiny_trainer("tricks.drs.steps=3", "train.steps=4", "tricks.ema.decay=0.9",
                               "tricks.drs.burn_in=500"), 4)
    W = t.tricks.sampler(t)
    assert isinstance(W, RejectionSampler) and W.proposal is t.tricks.active["ema"].G  # also what export writes
    assert W.latent_dim == 2
    z = torch.randn(300, 2, generator=torch.Generator().manual_seed(1))
    a, b = t.sample(300, z=z), t.sample(300, z=z)
    assert torch.equal(a, b)
    with torch.no_grad():
        assert not torch.equal(a, t.tricks.active["ema"].G(z))  # some rows were redrawn
    assert 0 < W.accepted_fraction < 1


def test_no_rejection_before_the_classifier_trains_or_when_told_not_to():
    t = run_steps(tiny_trainer("tricks.drs.steps=2", "train.steps=6"), 3)
    assert t.tricks.sampler(t) is t.G  # the window opens at step 4
    t2 = run_steps(tiny_trainer("tricks.drs.steps=2", "train.steps=4", "tricks.drs.sample=false"), 4)
    assert t2.tricks.sampler(t2) is t2.G


def test_the_classifier_starts_from_d_and_learns_to_separate():
    t = run_steps(tiny_trainer("tricks.drs.steps=40", "train.steps=60", "tricks.drs.lr=0.01"), 20)
    t.train_step()  # step 20: the window opens; D̃ = D, then one update
    drs = t.tricks.active["drs"]
    assert drs.updates == 1 and drs.C is not t.D
    run_steps(t, 39)
    real, fake = t.real_batch(500), t.sample(500)
    with torch.no_grad():
        drs.C.eval()
        assert drs.C(real).mean() > drs.C(fake).mean()


def test_drs_state_resumes_bit_exactly():
    over = ("tricks.drs.steps=4", "train.steps=6", "tricks.ema.decay=0.9", "tricks.drs.burn_in=200")
    a = run_steps(tiny_trainer(*over), 6)
    b = run_steps(tiny_trainer(*over), 3)  # the window opened at step 2: D̃ has one update
    b.sample(10)  # calibrated mid-run: the calibration travels too
    c = tiny_trainer(*over)
    c.load_state_dict(copy.deepcopy(b.state_dict()))
    assert c.tricks.active["drs"].calibration == b.tricks.active["drs"].calibration
    run_steps(c, 3)
    da, dc = a.tricks.active["drs"], c.tricks.active["drs"]
    assert da.updates == dc.updates == 4
    assert all(torch.equal(x, y) for x, y in zip(da.C.state_dict().values(), dc.C.state_dict().values()))
    assert all(torch.equal(x, y) for x, y in zip(a.G.parameters(), c.G.parameters()))
    assert str(da.opt.state_dict()) == str(dc.opt.state_dict())
    z = torch.randn(200, 2, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.sample(200, z=z), c.sample(200, z=z))


def test_drs_composes_with_a_label_conditional_run():
    t = run_steps(tiny_trainer("tricks.drs.steps=2", "train.steps=3", "tricks.drs.burn_in=100", preset="ring-cgan"), 3)
    x = t.sample(16, labels=3)
    assert x.shape == (16, 2) and torch.isfinite(x).all()


@pytest.mark.parametrize("overrides, match", [
    (("tricks.drs.steps=10", "train.steps=5"), r"tricks.drs.steps=10 is more than train.steps=5"),
    (("tricks.drs.steps=2", "tricks.packing.m=2"), r"tricks.drs needs one discriminator logit per sample"),
    (("tricks.drs.steps=2", "tricks.drs.quantile=1.5"), r"tricks.drs.quantile"),
])
def test_bad_params_are_one_line(overrides, match):
    with pytest.raises(DivganError, match=match) as e:
        tiny_trainer(*overrides)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("preset", ["ring-rpgan-drs", "grid-rpgan-drs"])
def test_the_drs_presets_sample_by_rejection(preset):
    t = run_steps(tiny_trainer("train.steps=3", "tricks.drs.steps=2", "tricks.drs.burn_in=100", preset=preset), 3)
    assert isinstance(t.tricks.sampler(t), RejectionSampler) and t.sample(20).shape == (20, 2)
