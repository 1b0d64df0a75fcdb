"""optim.schedule: the learning rate at chosen steps against the closed forms, the NaN guard's scale
composing with it, and a resumed run following the schedule exactly."""
from __future__ import annotations

import math

import pytest
import torch

from divgan.config import load_config
from divgan.errors import DivganError
from divgan.train.schedule import lr_factor
from divgan.train.trainer import Trainer

T = 8
SMALL = ["generator.hidden=[16]", "discriminator.hidden=[16]", "train.batch_size=32", "train.device=cpu",
         f"train.steps={T}", "optim.lr_g=0.002", "optim.lr_d=0.001"]


def trainer(*extra: str) -> Trainer:
    torch.set_num_threads(1)
    return Trainer(load_config("ring-vanilla", [*SMALL, *extra]), log=lambda m: None)


def lrs_taken(tr: Trainer, steps: int) -> list[tuple[float, float]]:
    """The (G, D) learning rates in force during each of the next ``steps`` steps."""
    out = []
    for _ in range(steps):
        tr.train_step()
        out.append((tr.opt_g.param_groups[0]["lr"], tr.opt_d.param_groups[0]["lr"]))
    return out


@pytest.mark.parametrize("schedule, at_half", [("constant", 1.0), ("linear", 0.5), ("cosine", 0.5)])
def test_factor_at_start_half_and_end(schedule, at_half):
    assert lr_factor(schedule, 0, 100) == 1.0
    assert lr_factor(schedule, 50, 100) == pytest.approx(at_half)
    assert lr_factor(schedule, 100, 100) == pytest.approx(1.0 if schedule == "constant" else 0.0)
    assert lr_factor("cosine", 25, 100) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert lr_factor("linear", 100, 100, final_ratio=0.1) == pytest.approx(0.1)
    assert lr_factor("cosine", 50, 100, final_ratio=0.2) == pytest.approx(0.2 + 0.8 * 0.5)


def test_warmup_ramps_then_decays_over_the_rest():
    assert [lr_factor("linear", t, 14, warmup=4) for t in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_factor("linear", 9, 14, warmup=4) == pytest.approx(0.5)  # u = (9 − 4)/(14 − 4)


def test_decay_steps_holds_the_rate_then_decays_over_the_last_steps():
    # WSD: warm-up 4, held to step 10 = 20 − 10, linear to 0 over the last 10
    f = [lr_factor("linear", t, 20, warmup=4, decay_steps=10) for t in range(21)]
    assert f[:4] == [0.25, 0.5, 0.75, 1.0] and f[4:11] == [1.0] * 7
    assert f[15] == pytest.approx(0.5) and f[20] == pytest.approx(0.0)
    assert lr_factor("cosine", 15, 20, decay_steps=10) == pytest.approx(0.5)
    # longer than the run after the warm-up: the decay starts where the warm-up ends, as with 0
    assert lr_factor("linear", 12, 20, warmup=4, decay_steps=50) == lr_factor("linear", 12, 20, warmup=4)
    assert lr_factor("exponential", 9, 20, decay_factor=2.0, decay_steps=10) == 1.0
    assert lr_factor("exponential", 12, 20, decay_factor=2.0, decay_steps=10) == pytest.approx(0.25)


def test_trainer_applies_the_schedule_to_both_players_and_composes_with_lr_scale():
    tr = trainer("optim.schedule=linear")
    taken = lrs_taken(tr, T)
    for t, (g, d) in enumerate(taken):
        assert g == pytest.approx(0.002 * (1 - t / T)) and d == pytest.approx(0.001 * (1 - t / T))
    taken = lrs_taken(trainer("optim.schedule=linear", f"optim.decay_steps={T // 2}"), T)  # held, then decayed
    assert [g for g, _ in taken] == pytest.approx([0.002] * (T // 2) + [0.002 * (1 - k / (T // 2)) for k in range(T // 2)])
    tr = trainer("optim.schedule=cosine")
    lrs_taken(tr, T // 2)
    tr.set_lr_scale(0.5)  # the NaN guard halves the rates: the schedule continues on top of it
    g, d = lrs_taken(tr, 1)[0]
    assert g == pytest.approx(0.002 * 0.5 * 0.5) and d == pytest.approx(0.001 * 0.5 * 0.5)  # cos at T/2 = 0.5


def test_constant_schedule_leaves_the_rates_alone():
    assert set(lrs_taken(trainer(), 3)) == {(0.002, 0.001)}


def test_resume_keeps_the_schedule_exact():
    full = trainer("optim.schedule=cosine", "optim.warmup=2")
    ref = lrs_taken(full, T)
    half = trainer("optim.schedule=cosine", "optim.warmup=2")
    first = lrs_taken(half, T // 2)
    state = half.state_dict()
    resumed = trainer("optim.schedule=cosine", "optim.warmup=2")
    resumed.load_state_dict(state)
    assert first + lrs_taken(resumed, T - T // 2) == ref
    for a, b in zip(full.G.parameters(), resumed.G.parameters()):
        assert torch.equal(a, b)


def test_unknown_schedule_is_one_clear_error():
    with pytest.raises(DivganError, match="optim.schedule"):
        load_config("ring", ["optim.schedule=step"])


# ---------------------------------------------------------------- exponential decay, momentum ramp

SGD = ["optim.name=sgd", "optim.momentum=0.5"]


def test_exponential_divides_by_the_factor_each_step_down_to_the_floor():
    assert [lr_factor("exponential", t, 10, decay_factor=2.0) for t in range(4)] == [1.0, 0.5, 0.25, 0.125]
    assert lr_factor("exponential", 10, 10, final_ratio=0.1, decay_factor=2.0) == 0.1  # 2^-10 < 0.1: the floor
    assert lr_factor("exponential", 20, 10, decay_factor=2.0) == pytest.approx(2.0**-20)  # not tied to train.steps
    assert lr_factor("exponential", 5, 10, warmup=3, decay_factor=2.0) == pytest.approx(0.25)  # 2 steps after warm-up
    # Goodfellow et al.'s MNIST run: lr 0.1 / 1.000004^t, min_lr 1e-6; after 125,000 steps lr = 0.1·e^-0.5
    assert 0.1 * lr_factor("exponential", 125_000, 1, final_ratio=1e-5, decay_factor=1.000004) == pytest.approx(
        0.1 * math.exp(-0.5), rel=1e-5)  # 125,000·ln γ = 0.5 − 1e-6
    assert lr_factor("exponential", 10**9, 1, final_ratio=1e-5, decay_factor=1.000004) == 1e-5  # no overflow


def test_momentum_ramps_linearly_then_stays():
    from divgan.train.schedule import momentum_at

    assert [momentum_at(t, 0.5, 0.7, 4) for t in (0, 1, 2, 4, 9)] == pytest.approx([0.5, 0.55, 0.6, 0.7, 0.7])
    assert momentum_at(7, 0.9, None, 0) == 0.9


def test_trainer_applies_exponential_rate_and_momentum_ramp():
    tr = trainer(*SGD, "optim.schedule=exponential", "optim.decay_factor=1.25", "optim.final_ratio=0.4",
                 "optim.momentum_final=0.7", "optim.momentum_steps=4")
    for t in range(6):
        tr.train_step()
        g, d = tr.opt_g.param_groups[0], tr.opt_d.param_groups[0]
        f = max(1.25**-t, 0.4)  # 1, 0.8, 0.64, 0.512, 0.4096, then the floor 0.4
        assert g["lr"] == pytest.approx(0.002 * f) and d["lr"] == pytest.approx(0.001 * f)
        assert g["momentum"] == d["momentum"] == pytest.approx(0.5 + 0.2 * min(t / 4, 1))


def test_resume_keeps_rate_and_momentum_schedules_exact():
    extra = [*SGD, "optim.schedule=exponential", "optim.decay_factor=1.2", "optim.momentum_final=0.7",
             "optim.momentum_steps=5"]
    full = trainer(*extra)
    ref = lrs_taken(full, T)
    half = trainer(*extra)
    first = lrs_taken(half, T // 2)
    resumed = trainer(*extra)
    resumed.load_state_dict(half.state_dict())
    assert first + lrs_taken(resumed, T - T // 2) == ref
    assert resumed.opt_d.param_groups[0]["momentum"] == full.opt_d.param_groups[0]["momentum"]
    for a, b in zip([*full.G.parameters(), *full.D.parameters()], [*resumed.G.parameters(), *resumed.D.parameters()]):
        assert torch.equal(a, b)


def test_config_schedules_are_the_registered_ones():
    from divgan.config import OptimConfig
    from divgan.train.schedule import SCHEDULES

    assert set(OptimConfig.model_fields["schedule"].annotation.__args__) == set(SCHEDULES)


@pytest.mark.parametrize("overrides, message", [
    (["optim.momentum_final=0.7", "optim.momentum_steps=10"], "optim.momentum_final: a momentum schedule needs optim.name sgd"),
    ([*SGD, "optim.momentum_final=0.7"], "optim.momentum_steps: .* at least 1 step"),
    ([*SGD, "optim.momentum_final=1.0", "optim.momentum_steps=10"], "optim.momentum_final"),
    (["optim.schedule=exponential"], "optim.decay_factor: the exponential schedule needs a factor > 1"),
    (["optim.decay_factor=0.5"], "optim.decay_factor"),
    (["optim.decay_steps=100"], "optim.decay_steps: a constant schedule has no decay"),
])
def test_bad_schedule_values_are_one_line(overrides, message):
    with pytest.raises(DivganError, match=message) as e:
        load_config("ring", overrides)
    assert "\n" not in str(e.value)
