"""The trainer's fast paths: ``train.reuse_fake`` (one generator forward per step when d_steps = 1),
``train.compile`` (torch.compile) and fused Adam, each still training correctly."""
from __future__ import annotations

import shutil

import pytest
import torch
from reliability_helpers import toy

import divgan
from divgan.config import load_config
from divgan.train.trainer import Trainer


def _trainer(*extra: str) -> Trainer:
    return Trainer(load_config({"data": {"name": "mixture1d"}}, toy(0, *extra)), log=lambda m: None)


def _count_generator_forwards(t: Trainer, steps: int) -> int:
    calls = []
    t.G.register_forward_hook(lambda *a: calls.append(1))
    for _ in range(steps):
        t.train_step()
    return len(calls)


def test_reuse_fake_halves_generator_forwards():
    assert _count_generator_forwards(_trainer(), 4) == 8
    assert _count_generator_forwards(_trainer("train.reuse_fake=true"), 4) == 4


def test_dcgan_presets_reuse_the_fakes_as_the_tutorial_does_and_the_rest_do_not():
    assert load_config("mnist-dcgan").train.reuse_fake and load_config("fashion-dcgan").train.reuse_fake
    assert not load_config("ring").train.reuse_fake and not load_config("mnist-goodfellow").train.reuse_fake


def test_reuse_fake_gradients_equal_the_plain_step_on_the_same_noise():
    """With the same z in both updates, reuse gives exactly the plain algorithm's generator update."""
    plain = ("discriminator.dropout=0", "tricks.historical_averaging.g=0", "tricks.historical_averaging.d=0")
    a, b = _trainer(*plain), _trainer(*plain, "train.reuse_fake=true")
    z = torch.randn(64, a.G.latent_dim)
    for t in (a, b):
        t.noise = lambda n, z=z: z[:n].clone()  # both generator forwards see the same noise
        t.train_step()
    for pa, pb in zip(a.G.parameters(), b.G.parameters()):
        torch.testing.assert_close(pa, pb)


def test_reuse_fake_trains(tmp_path):
    run = divgan.train({"data": {"name": "mixture1d"}}, out=tmp_path / "r", overrides=toy(10, "train.reuse_fake=true"),
                       log=lambda m: None)
    assert run.summary["steps"] == 10 and all(torch.isfinite(p).all() for p in run.generator.parameters())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="torch.compile on CPU needs a C compiler")
def test_compile_matches_eager():
    eager, compiled = _trainer("discriminator.dropout=0"), _trainer("discriminator.dropout=0", "train.compile=true")
    for _ in range(2):
        eager.train_step()
        compiled.train_step()
    for pa, pb in zip(eager.G.parameters(), compiled.G.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-4, atol=1e-5)


def test_adam_is_the_fused_kernel_on_cpu_and_sgd_is_unchanged():
    t = _trainer()
    assert t.opt_g.defaults["fused"] and t.opt_d.defaults["fused"]
    s = _trainer("optim.name=sgd")
    assert isinstance(s.opt_g, torch.optim.SGD) and s.opt_g.defaults["momentum"] == s.cfg.optim.momentum
