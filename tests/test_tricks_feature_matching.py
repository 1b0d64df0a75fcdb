import pytest
import torch

from divgan.errors import DivganError
from divgan.tricks.feature_matching import feature_matching_loss, layer_output
from tricks_helpers import composes_with_fgan, resumes_exactly, tiny_trainer


def test_loss_is_zero_for_identical_batches_and_positive_otherwise():
    f = torch.randn(64, 10)
    assert feature_matching_loss(f, f.clone()).item() == 0.0
    assert feature_matching_loss(f, f[torch.randperm(64)]).item() == pytest.approx(0.0, abs=1e-10)  # only means matter
    assert feature_matching_loss(f, f + 1.0).item() == pytest.approx(10.0)
    # bf16 features (the trainer hands them on uncast under autocast) are averaged in fp32
    half = feature_matching_loss(f.bfloat16(), f.bfloat16() + 1.0)
    assert half.dtype == torch.float32 and half.item() == pytest.approx(10.0, rel=1e-2)


def test_replace_mode_is_the_feature_distance_of_real_and_fake():
    t = tiny_trainer("tricks.feature_matching.mode=replace", "tricks.feature_matching.weight=2.0")
    state = t.gen.get_state()
    fake = t.G(t.noise(32))
    _, feats = t.discriminate(t.D, fake, with_features=True)
    loss = t.tricks.g_loss(t, torch.tensor(123.0), fake, feats)
    t.gen.set_state(state)
    t.G(t.noise(32))
    _, real_feats = t.discriminate(t.D, t.real_batch(32), with_features=True)
    assert loss.item() == pytest.approx(2.0 * feature_matching_loss(real_feats, feats).item(), rel=1e-5)
    assert loss.requires_grad


def test_add_mode_and_a_chosen_layer():
    t = tiny_trainer("tricks.feature_matching.mode=add", "tricks.feature_matching.layer=1")
    fake = t.G(t.noise(32))
    _, feats = t.discriminate(t.D, fake, with_features=True)
    state = t.gen.get_state()
    loss = t.tricks.g_loss(t, torch.tensor(5.0), fake, feats)
    t.gen.set_state(state)
    real = t.real_batch(32)
    expected = feature_matching_loss(layer_output(t.D, real, 1), layer_output(t.D, fake, 1))
    assert layer_output(t.D, fake, 1).shape == (32, 16)  # body = [Flatten, Linear, act, Linear, act]: child 1 = pre-activation
    assert loss.item() == pytest.approx(5.0 + expected.item(), rel=1e-5)
    loss.backward()
    assert all(p.grad is not None for p in t.G.parameters())


def test_bad_layer_is_a_clear_error():
    with pytest.raises(DivganError, match="feature_matching.layer=9"):
        tiny_trainer("tricks.feature_matching.mode=add", "tricks.feature_matching.layer=9")


def test_generator_steps_alone_drive_the_feature_distance_down():
    """Against a fixed discriminator, G steps with feature matching alone reduce ‖E f(x) − E f(G(z))‖²."""
    t = tiny_trainer("tricks.feature_matching.mode=replace", "train.batch_size=256", "optim.lr_g=0.01")
    losses = [t.g_step().item() for _ in range(60)]
    assert sum(losses[-5:]) < 0.5 * sum(losses[:5])


@pytest.mark.parametrize("divergence", ["kl", "js"])
def test_composes_with_fgan(divergence):
    composes_with_fgan(divergence, "tricks.feature_matching.mode=add")
    composes_with_fgan(divergence, "tricks.feature_matching.mode=replace", "tricks.feature_matching.layer=-2")


def test_resumes_exactly():
    resumes_exactly("tricks.feature_matching.mode=add", "tricks.feature_matching.layer=1")
