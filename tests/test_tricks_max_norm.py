"""Max-norm constraint (pylearn2's max_col_norm): after a D step every unit's incoming weight vector
has norm ≤ c, vectors already inside the ball are untouched, biases too; exact resume; bad values."""
import pytest
import torch
from torch import nn
from tricks_helpers import resumes_exactly, run_steps, tiny_trainer

from divgan.errors import DivganError
from divgan.tricks.max_norm import clip_unit_norms


def test_rows_above_c_are_scaled_onto_the_ball_and_the_others_kept():
    lin = nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, 4.0], [0.3, -0.4], [0.0, -2.0]]))  # norms 5, 0.5, 2
        lin.bias.fill_(7.0)
    assert clip_unit_norms(nn.Sequential(lin, nn.ReLU()), 1.0) == 1
    assert torch.allclose(lin.weight[0], torch.tensor([0.6, 0.8]), atol=1e-6)  # direction kept, norm 1
    assert torch.equal(lin.weight[1], torch.tensor([0.3, -0.4]))  # inside the ball: bitwise unchanged
    assert torch.allclose(lin.weight[2], torch.tensor([0.0, -1.0]), atol=1e-6)
    assert torch.equal(lin.bias, torch.full((3,), 7.0))


def test_conv_filters_are_constrained_per_output_channel():
    conv = nn.Conv2d(2, 4, 3)
    with torch.no_grad():
        conv.weight.mul_(10)
        conv.weight[1] = 0.01  # norm 0.01·√18 < 1
    kept = conv.weight[1].clone()
    clip_unit_norms(conv, 1.0)
    norms = conv.weight.flatten(1).norm(dim=1)
    assert torch.allclose(norms[[0, 2, 3]], torch.ones(3), atol=1e-5) and torch.equal(conv.weight[1], kept)


def test_training_keeps_every_d_unit_within_c_and_leaves_g_alone():
    c = 0.3
    t = run_steps(tiny_trainer("tricks.max_norm.c=0.3", "optim.lr_d=0.05"), 3)
    layers = [m for m in t.D.modules() if isinstance(m, nn.Linear)]
    assert layers and all(m.weight.norm(dim=1).max() <= c * (1 + 1e-6) for m in layers)
    g_norms = [m.weight.norm(dim=1).max() for m in t.G.modules() if isinstance(m, nn.Linear)]
    assert max(g_norms) > c  # the generator is not constrained


def test_composes_with_spectral_norm():
    t = run_steps(tiny_trainer("tricks.max_norm.c=0.3", "tricks.spectral_norm.enabled=true"), 2)
    raw = [m.parametrizations.weight.original for m in t.D.modules() if isinstance(m, nn.Linear)]
    assert raw and all(w.norm(dim=1).max() <= 0.3 * (1 + 1e-6) for w in raw)


def test_resumes_exactly():
    resumes_exactly("tricks.max_norm.c=0.3")


def test_negative_c_is_one_line():
    with pytest.raises(DivganError, match="tricks.max_norm.c") as e:
        tiny_trainer("tricks.max_norm.c=-1")
    assert "\n" not in str(e.value)
