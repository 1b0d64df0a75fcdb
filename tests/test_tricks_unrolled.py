import pytest
import torch

from divgan.tricks.unrolled import lookahead
from tricks_helpers import composes_with_fgan, resumes_exactly, run_steps, tiny_trainer

SMOOTH = ["generator.hidden=[6]", "generator.activation=tanh", "discriminator.hidden=[6]",
          "discriminator.activation=tanh", "train.batch_size=16"]


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def g_objective(t, state):
    """f_k(φ): the generator loss through the (unrolled) critic, on the batches of RNG ``state``."""
    t.gen.set_state(state)
    critic = t.tricks.critic(t)
    return t.objective.g_loss(critic(t.G(t.noise(16))))


def g_grad(t, state):
    t.G.zero_grad(set_to_none=True)
    g_objective(t, state).backward()
    return torch.cat([p.grad.reshape(-1) for p in t.G.parameters()])


@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_unrolled_gradient_matches_finite_differences_and_differs_from_zero_steps(float64, optim):
    t = tiny_trainer(*SMOOTH, "tricks.unrolled.steps=3", f"optim.name={optim}", "optim.lr_d=0.05", "optim.lr_g=0.01")
    sample = t.real_labelled
    t.real_labelled = lambda n=None: (sample(n)[0].double(), None)
    t.discriminate = lambda D, x, y=None, with_features=False, with_aux=False: D(x, with_features=with_features)  # no float32 cast
    run_steps(t, 3)  # non-trivial optimiser state (Adam moments / SGD momentum)
    state = t.gen.get_state()
    grad = g_grad(t, state)
    params = list(t.G.parameters())
    h, checked, offset = 1e-5, 0, 0
    for p in params:
        for i in range(0, p.numel(), 3):
            flat = p.data.view(-1)
            old = flat[i].item()
            flat[i] = old + h  # p.data: no autograd record
            up = g_objective(t, state).item()
            flat[i] = old - h
            down = g_objective(t, state).item()
            flat[i] = old
            j = offset + i
            assert grad[j].item() == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-7)
            checked += 1
        offset += p.numel()
    assert checked > 10
    t.tricks.active["unrolled"].p.steps = 0  # zero look-ahead steps = the plain critic
    plain = g_grad(t, state)
    assert (grad - plain).norm() > 1e-3 * plain.norm()
    t.tricks.active["unrolled"].p.first_order = True
    t.tricks.active["unrolled"].p.steps = 3
    first = g_grad(t, state)
    assert (first - plain).norm() > 1e-3 * plain.norm() and (first - grad).norm() > 1e-4 * grad.norm()


def snapshot(t):
    return ([p.detach().clone() for p in t.D.parameters()], [p.grad.clone() for p in t.D.parameters()],
            repr(t.opt_d.state_dict()))


@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_lookahead_never_changes_the_real_discriminator(optim):
    t = run_steps(tiny_trainer("tricks.unrolled.steps=5", f"optim.name={optim}"), 2)
    before = snapshot(t)
    t.tricks.critic(t)(t.real_batch()).sum().backward()
    after = snapshot(t)
    assert all(torch.equal(a, b) for a, b in zip(before[0], after[0]))  # weights
    assert all(torch.equal(a, b) for a, b in zip(before[1], after[1]))  # their .grad
    assert before[2] == after[2]  # optimiser state


def test_real_discriminator_after_an_unrolled_step_equals_a_plain_step():
    plain, unrolled = tiny_trainer(), tiny_trainer("tricks.unrolled.steps=5")
    plain.train_step()
    unrolled.train_step()
    for a, b in zip(plain.D.parameters(), unrolled.D.parameters()):
        assert torch.equal(a, b)
    for a, b in zip(plain.G.parameters(), unrolled.G.parameters()):  # ... while G's update saw the look-ahead
        assert not torch.equal(a, b)


@pytest.mark.parametrize("optim", ["sgd", "adam"])
def test_one_unrolled_step_is_the_real_optimiser_step(optim):
    """The differentiable SGD/Adam copy takes exactly torch.optim's step, from its current state."""
    t = run_steps(tiny_trainer(f"optim.name={optim}"), 3)
    state = t.gen.get_state()
    ahead = lookahead(t, 1, first_order=True)
    t.gen.set_state(state)
    t.d_step()
    for name, p in t.D.named_parameters():
        torch.testing.assert_close(ahead[name], p.detach(), rtol=1e-5, atol=1e-6)


def test_batchnorm_statistics_move_only_on_copies():
    t = tiny_trainer("tricks.unrolled.steps=2", "tricks.unrolled.first_order=true")
    t.D.body.insert(2, torch.nn.BatchNorm1d(16))
    before = [b.clone() for b in t.D.buffers()]
    t.tricks.critic(t)
    assert all(torch.equal(a, b) for a, b in zip(before, t.D.buffers()))


@pytest.mark.parametrize("divergence", ["kl", "hellinger"])
def test_composes_with_fgan(divergence):
    composes_with_fgan(divergence, "tricks.unrolled.steps=2")


def test_resumes_exactly():
    resumes_exactly("tricks.unrolled.steps=2")


# The claim of docs/tricks.md (the unrolled GAN covers more grid modes than the plain one over 5 seeds
# of 500 steps) is a quality measurement over seeds: `python bench/quality.py --checks unrolled`.
