import pytest
import torch

from divgan.tricks.instance_noise import sigma_at
from tricks_helpers import composes_with_fgan, resumes_exactly, tiny_trainer


def params(**kw):
    from divgan.tricks import TRICKS

    return TRICKS["instance_noise"].Params(**kw)


def test_schedules():
    c = params(sigma=0.5, schedule="constant", anneal_steps=100)
    assert sigma_at(c, 0) == sigma_at(c, 10_000) == 0.5
    lin = params(sigma=0.5, schedule="linear", anneal_steps=100)
    assert [sigma_at(lin, t) for t in (0, 50, 100, 200)] == pytest.approx([0.5, 0.25, 0.0, 0.0])
    exp = params(sigma=0.5, schedule="exponential", anneal_steps=100, final_ratio=0.01)
    assert [sigma_at(exp, t) for t in (0, 50, 99)] == pytest.approx([0.5, 0.05, 0.5 * 0.01**0.99])
    assert sigma_at(exp, 100) == 0.0
    vals = [sigma_at(exp, t) for t in range(101)]
    assert all(a > b for a, b in zip(vals, vals[1:]))


def test_noise_variance_and_schedule_in_the_trainer():
    t = tiny_trainer("tricks.instance_noise.sigma=0.3", "tricks.instance_noise.schedule=linear",
                     "tricks.instance_noise.anneal_steps=10")
    x = torch.zeros(20000, 2)
    eps = t.tricks.d_input(x, step=0)
    assert eps.mean().abs() < 0.01 and eps.std().item() == pytest.approx(0.3, rel=0.02)
    assert t.tricks.d_input(x, step=5).std().item() == pytest.approx(0.15, rel=0.02)
    assert torch.equal(t.tricks.d_input(x, step=10), x)
    # drawn from the trainer's generator: the same state gives the same noise
    state = t.gen.get_state()
    a = t.tricks.d_input(x[:10], 0)
    t.gen.set_state(state)
    assert torch.equal(a, t.tricks.d_input(x[:10], 0))


def test_noise_reaches_both_real_and_fake_discriminator_inputs():
    t = tiny_trainer("tricks.instance_noise.sigma=0.5")
    seen = []
    t.D.body.register_forward_pre_hook(lambda m, args: seen.append(args[0].detach().clone()))
    x = torch.ones(8, 2)
    t.discriminate(t.D, x)
    assert not torch.equal(seen[-1], x)
    assert tiny_trainer().tricks.d_input(x, 0) is x  # off by default


def test_off_by_default_and_in_the_config():
    t = tiny_trainer()
    assert "instance_noise" not in t.tricks.active
    assert t.cfg.to_dict()["tricks"]["instance_noise"]["sigma"] == 0.0


@pytest.mark.parametrize("divergence", ["kl", "pearson"])
def test_composes_with_fgan(divergence):
    composes_with_fgan(divergence, "tricks.instance_noise.sigma=0.1", "tricks.instance_noise.schedule=exponential")


def test_resumes_exactly():
    resumes_exactly("tricks.instance_noise.sigma=0.2", "tricks.instance_noise.schedule=exponential",
                    "tricks.instance_noise.anneal_steps=3")
