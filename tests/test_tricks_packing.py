"""PacGAN packing: shapes for MLP and DCGAN discriminators, a pack holds m different samples, eval
mode gives one value per point, composition, and the batch-size error."""
import pytest
import torch
from tricks_helpers import run_steps, tiny_trainer

from divgan.config import load_config
from divgan.errors import DivganError
from divgan.train.trainer import Trainer


def image_trainer(*overrides):
    """A tiny DCGAN on scikit-learn's 8×8 digits (no download)."""
    return Trainer(load_config("digits-dcgan", ["train.batch_size=8", "generator.width=4", "discriminator.width=4",
                                                "data.size=8", "train.progress=false", "train.device=cpu", *overrides]),
                   log=lambda m: None)
from divgan.tricks.packing import Pack, PackedDiscriminator


def test_pack_puts_m_consecutive_samples_side_by_side():
    x = torch.arange(12.0).reshape(6, 2)
    packed = Pack(3)(x)
    assert packed.shape == (2, 6) and torch.equal(packed[1], torch.arange(6.0, 12.0))
    img = torch.randn(4, 1, 8, 8)
    assert torch.equal(Pack(2)(img)[1, 1], img[3, 0])  # pack 1, channel 1 = sample 3


def test_packed_mlp_discriminator_sees_m_different_samples():
    t = tiny_trainer("tricks.packing.m=4")
    assert isinstance(t.D, PackedDiscriminator) and t.D.body[1][1].in_features == 2 * 4
    seen = []
    t.D.body[1].register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach()))
    real = t.real_batch()
    assert t.D_train(real).shape == (real.shape[0] // 4,)
    pack = seen[0][0].reshape(4, 2)
    assert torch.equal(pack, real[:4]) and len({tuple(r.tolist()) for r in pack}) == 4
    t.D.eval()
    assert t.D(real).shape == (real.shape[0],)  # eval: one value per sample (a pack of its copies)
    run_steps(t, 2)


def test_packed_dcgan_discriminator_takes_m_times_the_channels():
    t = image_trainer("tricks.packing.m=2")
    x = t.real_batch()
    assert x.shape[1] == 1 and t.D.body[1][0].in_channels == 2
    assert t.D_train(x).shape == (4,)
    run_steps(t, 1)


@pytest.mark.parametrize("objective", ["hinge", "relativistic"])
def test_packing_composes(objective):
    run_steps(tiny_trainer("tricks.packing.m=2", f"objective.name={objective}", "tricks.minibatch_discrimination.kernels=3",
                           "tricks.spectral_norm.enabled=true"), 2)


def test_batch_not_divisible_by_m_is_one_line():
    with pytest.raises(DivganError, match="packing.m=3 must divide train.batch_size=32"):
        tiny_trainer("tricks.packing.m=3")
