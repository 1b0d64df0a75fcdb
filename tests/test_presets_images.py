"""Every image preset validates, describes itself, and its generator/discriminator fit its data shape;
the embedded digits preset trains end to end with no data folder; the Stacked MNIST preset's R1 is on."""
from pathlib import Path

import pytest
import torch

import divgan
from divgan.config import load_config, load_raw
from divgan.models import build_discriminator, build_generator
from divgan.train.trainer import Trainer

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

SHAPES = {"mnist-goodfellow": (1, 28, 28), "mnist-goodfellow-adam": (1, 28, 28), "mnist-dcgan": (1, 28, 28), "fashion-dcgan": (1, 28, 28),
          "digits-dcgan": (1, 16, 16), "cifar10-dcgan": (3, 32, 32), "cifar10-lapgan": (3, 32, 32),
          "stl10-lapgan": (3, 32, 32), "stacked-mnist-dcgan": (3, 28, 28), "stacked-mnist-mlp": (3, 28, 28), "mnist-lapgan": (1, 32, 32),
          "fashion-lapgan": (1, 32, 32)}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_preset_models_fit_the_data(name):
    cfg = load_config(name)
    assert load_raw(name).get("description")
    torch.manual_seed(0)
    G = build_generator(cfg.generator, SHAPES[name])
    D = build_discriminator(cfg.discriminator, SHAPES[name])
    G.eval()
    D.eval()
    with torch.no_grad():
        x = G(torch.randn(2, G.latent_dim))
        assert x.shape == (2, *SHAPES[name])
        assert D(x).shape[0] % 2 == 0


def test_digits_dcgan_trains_without_data(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_DATA", str(tmp_path / "no-data-here"))
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "run"
    run = divgan.train("digits-dcgan", out=out, log=lambda m: None, overrides=[
        "train.steps=6", "eval.every=3", "train.batch_size=16", "eval.n_samples=32", "train.progress=false"])
    assert run.summary["steps"] == 6
    assert (out / "samples" / "final.png").is_file() and (out / "samples" / "step_00000003.png").is_file()
    assert not (tmp_path / "no-data-here").exists()


def test_image_run_resumes_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))
    tiny = ["train.batch_size=16", "eval.every=100", "eval.n_samples=16", "train.progress=false", "train.checkpoint_every=3",
            "generator.width=8", "discriminator.width=8", "data.size=8", "train.threads=1"]  # bitwise: one thread count
    divgan.train("digits-dcgan", out=tmp_path / "a", log=lambda m: None, overrides=[*tiny, "train.steps=6"])
    divgan.train("digits-dcgan", out=tmp_path / "b", log=lambda m: None, overrides=[*tiny, "train.steps=3"])
    divgan.resume(tmp_path / "b", ["train.steps=6"], log=lambda m: None)
    a = torch.load(tmp_path / "a" / "checkpoints" / "step_00000006.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "checkpoints" / "step_00000006.pt", weights_only=False)
    assert a["ranks"][0]["data"] == b["ranks"][0]["data"] == {"epoch": 0, "pos": 6 * 16}  # one real batch per step
    for k in a["G"]:
        assert torch.equal(a["G"][k], b["G"][k]), k


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")
def test_stacked_mnist_mlp_penalises_its_maxout_discriminator_with_r1(monkeypatch):
    """The preset's Stacked MNIST result rests on R1 (γ = 5) through the maxout D: after one step from the
    same seed, the penalty is positive and D's weights differ from the same step with the penalty off."""
    monkeypatch.setenv("DIVGAN_DATA", str(SHARED))
    small = ["train.batch_size=8", "train.progress=false", "train.device=cpu"]
    runs = [Trainer(load_config("stacked-mnist-mlp", small + extra), log=lambda m: None)
            for extra in ([], ["tricks.gradient_penalty.kind=[]"])]
    for t in runs:
        t.train_step()
    gp = runs[0].tricks.active["gradient_penalty"]
    assert gp.p.weight == 5 and gp.last["r1"] > 0 and "gradient_penalty" not in runs[1].tricks.active
    assert any(not torch.equal(a, b) for a, b in zip(runs[0].D.parameters(), runs[1].D.parameters()))
