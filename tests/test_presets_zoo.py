"""The presets of the modern zoo load, and the toy ones train a few steps."""
import pytest
from tricks_helpers import run_steps

from divgan.config import load_config
from divgan.train.trainer import Trainer

TOY = ["ring-rpgan", "ring-sngan", "ring-wgan-gp", "grid-rpgan", "ring-rpgan-drs", "grid-rpgan-drs", "ring-infogan", "grid-infogan"]
IMAGE = ["mnist-sngan", "mnist-wgan-gp", "stacked-mnist-rpgan"]


@pytest.mark.parametrize("name", TOY + IMAGE)
def test_preset_loads_with_its_tricks_on(name):
    cfg = load_config(name)
    modern = cfg.objective.name in ("relativistic", "hinge", "wasserstein") or cfg.generator.get("codes")
    assert modern and cfg.description


@pytest.mark.parametrize("name", TOY)
def test_toy_preset_trains(name):
    t = Trainer(load_config(name, ["train.batch_size=16", "train.progress=false", "train.device=cpu"]), log=lambda m: None)
    assert t.tricks.active
    run_steps(t, 2)
    assert len(t.losses["d_loss"]) == 2
