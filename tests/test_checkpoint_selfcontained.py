"""A checkpoint carries what sampling needs (config, data shape and range, labels): ``divgan.load``,
``divgan sample`` and ``divgan report`` work on a copied MNIST run after the data folder is gone."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from reliability_helpers import cli

import divgan
from divgan.train import checkpoint

MNIST = Path("/work/shared/data/MNIST")
TINY = ["train.steps=2", "train.batch_size=16", "train.checkpoint_every=2", "eval.every=2", "eval.metrics=[]",
        "eval.grid_size=4", "generator.width=8", "discriminator.width=8", "train.progress=false", "train.device=cpu",
        "train.threads=1", "data.limit=64"]


@pytest.mark.skipif(not (MNIST / "raw").is_dir(), reason="needs MNIST in /work/shared/data")
def test_mnist_run_samples_without_its_data(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(MNIST, data / "MNIST")
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))
    run = divgan.train("mnist-dcgan", out=tmp_path / "run", overrides=[*TINY, f"data.root={data}"], callbacks=[],
                       log=lambda m: None)
    meta = checkpoint.load(checkpoint.step_checkpoints(run.path / "checkpoints")[0][1])["meta"]
    assert meta["data"]["shape"] == [1, 28, 28] and meta["data"]["value_range"] == [-1.0, 1.0]
    assert meta["data"]["num_classes"] == 10 and "name: mnist" in meta["config"]
    copy = tmp_path / "elsewhere" / "run"
    shutil.copytree(run.path, copy)
    shutil.rmtree(data)
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    G = divgan.load(copy)
    z = torch.randn(3, G.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(G(z), run.trainer.G.eval()(z))  # the same weights, no data needed
    env = {"DIVGAN_CACHE": str(tmp_path / "cache"), "DIVGAN_DATA": str(tmp_path / "nowhere")}
    proc = cli("sample", str(copy), "--n", "5", "--out", str(tmp_path / "s.npy"), env=env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.uint8
    proc = cli("report", str(copy), env=env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and (copy / "report.html").exists(), err
    assert not data.exists()
    trainer = divgan.load_trainer(copy)  # real data is asked for only when needed: one clear line
    with pytest.raises(divgan.DivganError, match="MNIST"):
        trainer.data.sample(4)
