"""The GAN algorithm end to end: the run directory contract, determinism, and mode coverage."""
import json

import pytest
import torch
import yaml

import divgan
from conftest import TINY


def quiet(*_):
    pass


def test_run_directory_contract(tiny_run):
    assert (tiny_run / "config.yaml").is_file() and (tiny_run / "report.html").is_file()
    cfg = yaml.safe_load((tiny_run / "config.yaml").read_text())
    assert cfg["train"]["steps"] == 60 and cfg["generator"]["hidden"] == [32, 32]
    rows = [json.loads(line) for line in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [30, 60]
    assert {"modes", "high_quality", "kl_uniform", "d_loss", "g_loss"} <= set(rows[-1])
    summary = json.loads((tiny_run / "summary.json").read_text())
    assert summary["steps"] == 60 and summary["final"]["step"] == 60
    assert (tiny_run / summary["figures"]["density"]).is_file()
    assert (tiny_run / summary["figures"]["curves"]).is_file()
    assert sorted(p.name for p in (tiny_run / "checkpoints").glob("step_*.pt"))[-1] == "step_00000060.pt"


def test_same_seed_gives_identical_metrics_and_weights():
    runs = [divgan.train("ring-vanilla", save=False, overrides=TINY, log=quiet) for _ in range(2)]
    assert runs[0].driver.metrics_log == runs[1].driver.metrics_log
    for a, b in zip(runs[0].generator.parameters(), runs[1].generator.parameters()):
        assert torch.equal(a, b)
    other = divgan.train("ring-vanilla", save=False, overrides=TINY + ["seed=1"], log=quiet)
    assert other.trainer.losses != runs[0].trainer.losses


def test_k_discriminator_steps_per_generator_step():
    run = divgan.train("ring-vanilla", save=False, overrides=TINY + ["train.steps=5", "train.d_steps=3"], log=quiet)
    state = run.trainer.opt_d.state_dict()["state"]
    assert int(state[0]["step"]) == 15 and int(run.trainer.opt_g.state_dict()["state"][0]["step"]) == 5


def test_sgd_with_momentum_and_minimax_objective_train():
    run = divgan.train("ring-vanilla", save=False, overrides=TINY + ["optim.name=sgd", "optim.lr_g=0.01", "optim.lr_d=0.01", "objective.name=minimax"], log=quiet)
    assert isinstance(run.trainer.opt_g, torch.optim.SGD) and run.trainer.opt_g.param_groups[0]["momentum"] == 0.9
    assert all(map(lambda v: v == v, run.trainer.losses["g_loss"]))


def test_python_api_load_returns_the_trained_generator(tiny_run):
    G = divgan.load(tiny_run)
    assert not G.training and G.latent_dim == 2
    assert G(torch.zeros(3, 2)).shape == (3, 2)


def test_default_run_is_the_ring_preset_and_ring_long_only_extends_the_plain_gans_budget():
    """The default run is ``ring`` (ring-infogan's recipe: the plain GAN with an 8-valued code); ring-long
    is the plain GAN with more steps. Their quality is a claim over seeds: ``divgan benchmark ring``."""
    default, ring, long = divgan.load_config(), divgan.load_config("ring"), divgan.load_config("ring-long")
    vanilla = divgan.load_config("ring-vanilla")
    assert default == ring and default.data["name"] == "ring" and default.train.steps == 3000
    assert ring.generator["codes"]["categorical"] == [ring.data["modes"]]
    assert long.data == vanilla.data and long.generator == vanilla.generator and long.discriminator == vanilla.discriminator
    assert long.train.steps == 8000 and long.optim.lr_g == long.optim.lr_d == 5e-4


def test_unknown_best_metric_is_one_clear_error_at_the_first_evaluation():
    with pytest.raises(divgan.DivganError, match="eval.best_metric: this run has no metric 'modez'; it has: .*modes"):
        divgan.train("ring-vanilla", save=False, overrides=TINY + ["eval.best_metric=modez"], log=quiet)


def test_default_run_directory_is_named_after_the_preset():
    from divgan.api import default_out

    assert default_out(None).name.startswith("ring-") and default_out("grid-vanilla").name.startswith("grid-vanilla-")
    assert default_out("configs/my.yaml").name.startswith("my-") and default_out({"seed": 1}).name.startswith("run-")


def test_train_minutes_stops_cleanly_on_the_time_budget(tmp_path):
    out = tmp_path / "timed"
    run = divgan.train("ring-vanilla", out=out, overrides=TINY + ["train.steps=100000000", "train.minutes=0.005"], log=quiet)
    s = run.summary
    assert 0 < s["steps"] < 100000000 and s["seconds"] >= 0.3  # 0.005 min = 0.3 s
    assert s["final"]["step"] == s["steps"]  # evaluated at the step it stopped
    assert json.loads((out / "summary.json").read_text())["steps"] == s["steps"]
    assert (out / "checkpoints" / f"step_{s['steps']:08d}.pt").is_file()
