import copy

import pytest
import torch

from divgan.tricks.historical_averaging import penalty
from tricks_helpers import composes_with_fgan, run_steps, tiny_trainer


def flat(module):
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def test_running_mean_equals_the_true_mean_of_all_past_parameters():
    t = tiny_trainer("tricks.historical_averaging.g=0.1", "tricks.historical_averaging.d=0.05")
    ha = t.tricks.active["historical_averaging"]
    history = {"g": [flat(t.G)], "d": [flat(t.D)]}
    for _ in range(7):
        t.train_step()
        history["g"].append(flat(t.G))
        history["d"].append(flat(t.D))
    assert ha.count == 8
    for k in ("g", "d"):
        true_mean = torch.stack(history[k]).mean(0)
        running = torch.cat([m.reshape(-1) for m in ha.mean[k]])
        torch.testing.assert_close(running, true_mean, rtol=1e-5, atol=1e-6)


def test_penalty_is_lambda_times_squared_distance_to_the_mean():
    t = run_steps(tiny_trainer("tricks.historical_averaging.g=0.5"), 3)
    ha = t.tricks.active["historical_averaging"]
    expected = ((flat(t.G) - torch.cat([m.reshape(-1) for m in ha.mean["g"]])) ** 2).sum()
    assert penalty(list(t.G.parameters()), ha.mean["g"]).item() == pytest.approx(expected.item(), rel=1e-5)
    loss = torch.tensor(1.0)
    assert t.tricks.g_loss(t, loss, None, None).item() == pytest.approx(1.0 + 0.5 * expected.item(), rel=1e-5)
    assert "d" not in ha.mean  # only the players with λ > 0 are tracked
    assert t.tricks.d_loss(t, loss, None, None) is loss


def test_penalty_pulls_towards_the_mean():
    """With only the penalty, gradient descent moves θ straight towards θ̄."""
    t = run_steps(tiny_trainer("tricks.historical_averaging.d=1.0"), 3)
    mean = torch.cat([m.reshape(-1) for m in t.tricks.active["historical_averaging"].mean["d"]])
    t.D.zero_grad()
    t.tricks.d_loss(t, torch.tensor(0.0), None, None).backward()
    grad = torch.cat([p.grad.reshape(-1) for p in t.D.parameters()])
    torch.testing.assert_close(grad, 2 * (flat(t.D) - mean))


def test_state_survives_a_round_trip():
    a = run_steps(tiny_trainer("tricks.historical_averaging.g=0.1"), 3)
    b = tiny_trainer("tricks.historical_averaging.g=0.1")
    b.load_state_dict(copy.deepcopy(a.state_dict()))  # (torch's optimiser load shares tensors in-process)
    ha, hb = a.tricks.active["historical_averaging"], b.tricks.active["historical_averaging"]
    assert hb.count == ha.count and all(torch.equal(x, y) for x, y in zip(ha.mean["g"], hb.mean["g"]))
    a.train_step()
    b.train_step()
    assert all(torch.equal(x, y) for x, y in zip(ha.mean["g"], hb.mean["g"]))


@pytest.mark.parametrize("divergence", ["kl", "pearson"])
def test_composes_with_fgan(divergence):
    composes_with_fgan(divergence, "tricks.historical_averaging.g=0.01", "tricks.historical_averaging.d=0.01")
