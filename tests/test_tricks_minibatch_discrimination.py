import pytest
import torch

from divgan.config import load_config
from divgan.errors import DivganError
from divgan.train.trainer import Trainer
from divgan.tricks.minibatch_discrimination import MinibatchDiscrimination
from tricks_helpers import composes_with_fgan, resumes_exactly, run_steps, tiny_trainer


def test_output_shape_and_definition():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(in_features=6, kernels=4, kernel_dim=3, chunk=5)  # chunking exercised
    f = torch.randn(11, 6)
    out = layer(f)
    assert out.shape == (11, 6 + 4)
    assert torch.equal(out[:, :6], f)
    m = torch.einsum("na,abc->nbc", f, layer.T)
    brute = torch.exp(-(m[:, None] - m[None]).abs().sum(-1)).sum(1)  # (N, B): Σ_j exp(−‖M_i,b − M_j,b‖₁)
    torch.testing.assert_close(out[:, 6:], brute, rtol=1e-5, atol=1e-6)


def test_distinguishes_a_collapsed_batch_from_a_diverse_one():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(in_features=8, kernels=5, kernel_dim=4, init_std=1.0)
    diverse = torch.randn(32, 8)
    collapsed = diverse[:1].expand(32, 8) + 1e-4 * torch.randn(32, 8)
    o_div, o_col = layer.similarities(diverse), layer.similarities(collapsed)
    assert torch.allclose(o_col, torch.full_like(o_col, 32.0), rtol=0.01)  # every sample is like all 32
    assert o_div.max() < 3.0 and o_div.min() >= 1.0  # only itself (and a few neighbours)


def test_inserted_into_the_discriminator_and_trained():
    t = tiny_trainer("tricks.minibatch_discrimination.kernels=7", "tricks.minibatch_discrimination.kernel_dim=3")
    assert isinstance(t.D.head[0], MinibatchDiscrimination) and t.D.head[1].in_features == 16 + 7
    T0 = t.D.head[0].T.detach().clone()
    assert any(p is t.D.head[0].T for g in t.opt_d.param_groups for p in g["params"])  # optimised
    run_steps(t, 3)
    assert not torch.equal(T0, t.D.head[0].T)
    out, feats = t.D(torch.randn(10, 2), with_features=True)
    assert out.shape == (10,) and feats.shape == (10, 16)


def test_collapsed_fake_batch_gets_different_scores_than_its_samples_alone():
    t = tiny_trainer("tricks.minibatch_discrimination.kernels=8", "tricks.minibatch_discrimination.init_std=1.0")
    x = torch.randn(1, 2)
    alone = t.D(x)
    in_collapsed_batch = t.D(x.expand(16, 2))
    assert not torch.allclose(alone, in_collapsed_batch[:1])


@pytest.mark.parametrize("divergence", ["kl", "reverse_kl"])
def test_composes_with_fgan(divergence):
    composes_with_fgan(divergence, "tricks.minibatch_discrimination.kernels=8")


def test_resumes_exactly():
    resumes_exactly("tricks.minibatch_discrimination.kernels=4")


def test_convolutional_discriminator():
    t = Trainer(load_config("digits-dcgan", ["tricks.minibatch_discrimination.kernels=4", "generator.width=8",
                                             "discriminator.width=8", "train.batch_size=8", "train.progress=false",
                                             "train.device=cpu", "train.precision=fp32"]), log=lambda m: None)
    assert isinstance(t.D.head[0], MinibatchDiscrimination)
    run_steps(t, 2)
    assert t.D(t.real_batch(5)).shape == (5,)


def test_discriminator_without_a_linear_head_is_a_clear_error():
    t = tiny_trainer("tricks.minibatch_discrimination.kernels=4")  # its head is already replaced: not linear
    with pytest.raises(DivganError, match="minibatch_discrimination needs a discriminator with one linear head"):
        t.tricks.active["minibatch_discrimination"].setup(t)
