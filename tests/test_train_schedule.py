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


def test_trainer_applies_the_schedule_to_both_players_and_composes_with_lr_scale():
    tr = trainer("optim.schedule=linear")
    taken = lrs_taken(tr, T)
    for t, (g, d) in enumerate(taken):
        assert g == pytest.approx(0.002 * (1 - t / T)) and d == pytest.approx(0.001 * (1 - t / T))
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
