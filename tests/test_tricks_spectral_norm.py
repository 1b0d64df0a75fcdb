"""Spectral norm: every weight layer's largest singular value ≈ 1 after a few power iterations; a
model without weight layers is one line; composition with objectives and a lecture trick."""
import pytest
import torch
from tricks_helpers import run_steps, tiny_trainer

from divgan.errors import DivganError
from divgan.tricks.spectral_norm import WEIGHT_LAYERS, apply_spectral_norm


def test_largest_singular_value_is_about_one():
    net = torch.nn.Sequential(torch.nn.Linear(3, 7), torch.nn.ReLU(), torch.nn.Conv1d(1, 4, 3))
    with torch.no_grad():
        net[0].weight.mul_(5.0)
    assert apply_spectral_norm(net) == 2
    for _ in range(20):  # power iterations run in training-mode forwards
        net[0](torch.randn(2, 3))
        net[2](torch.randn(2, 1, 5))
    for m in (net[0], net[2]):
        sigma = torch.linalg.matrix_norm(m.weight.reshape(m.weight.shape[0], -1), ord=2).item()
        assert abs(sigma - 1.0) < 1e-3


@pytest.mark.parametrize("objective", ["hinge", "wasserstein"])
def test_spectral_norm_on_every_layer_of_d_and_composes(objective):
    t = tiny_trainer("tricks.spectral_norm.enabled=true", f"objective.name={objective}", "tricks.label_smoothing.real=0.9"
                     if objective == "nonsaturating" else "tricks.instance_noise.sigma=0.05")
    layers = [m for m in t.D.modules() if isinstance(m, WEIGHT_LAYERS)]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    run_steps(t, 3)


def test_no_weight_layers_is_one_line(monkeypatch):
    from divgan.tricks import spectral_norm as sn

    monkeypatch.setattr(sn, "WEIGHT_LAYERS", (torch.nn.Bilinear,))  # as if D had no Linear/Conv layer
    with pytest.raises(DivganError, match="tricks.spectral_norm: discriminator 'mlp' has no"):
        tiny_trainer("tricks.spectral_norm.enabled=true")
