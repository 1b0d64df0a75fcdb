"""Inversion: recover z with G(z) ≈ x by Adam or L-BFGS from several random starts."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from divgan.analysis.inversion import invert, inversion_figure
from divgan.errors import DivganError


class TinyG(nn.Module):
    latent_dim = 3

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 16))

    def forward(self, z):
        return torch.tanh(self.net(z)).reshape(-1, 1, 4, 4)


@pytest.mark.parametrize("method,steps", [("adam", 250), ("lbfgs", 10)])
def test_images_in_the_range_of_G_are_recovered(method, steps):
    G = TinyG()
    with torch.no_grad():
        x = G(torch.randn(6, 3, generator=torch.Generator().manual_seed(1)))
    res = invert(G, x, starts=3, steps=steps, method=method)
    assert res["mse_mean"] < 1e-4 and res["recon"].shape == x.shape and res["z"].shape == (6, 3)
    assert torch.allclose(G(res["z"]).detach(), res["recon"], atol=1e-5)
    assert res["mse_mean"] <= res["mse_first_start"] + 1e-12  # the best start is kept
    assert res["z_rms"] == pytest.approx(float(res["z"].pow(2).mean(1).sqrt().mean()))
    assert all(p.requires_grad for p in G.parameters()) and G.training  # G is left as it was


def test_images_outside_the_range_reconstruct_worse():
    G = TinyG()
    with torch.no_grad():
        inside = G(torch.randn(4, 3, generator=torch.Generator().manual_seed(2)))
    outside = torch.rand(4, 1, 4, 4, generator=torch.Generator().manual_seed(3)) * 2 - 1
    assert invert(G, outside, steps=200)["mse_mean"] > 10 * invert(G, inside, steps=200)["mse_mean"]
    with pytest.raises(DivganError):
        invert(G, inside, method="sgd")


def test_figure_labels_target_and_reconstruction_rows_at_a_readable_size(tmp_path, monkeypatch):
    """10 targets of 16×16 px: rows labelled "target" / "reconstruction", at least 512 px wide (it was
    182×38 px, unlabelled); the target row is dark above the white reconstruction row."""
    import matplotlib.pyplot as plt

    labels, close = [], plt.close
    monkeypatch.setattr(plt, "close", lambda fig: (labels.extend(t.get_text() for a in fig.axes for t in a.get_yticklabels()), close(fig)))
    x, r = -torch.ones(10, 1, 16, 16), torch.ones(10, 1, 16, 16)
    path = inversion_figure(x, r, tmp_path / "inv.png")
    assert labels == ["target", "reconstruction"]
    img = np.asarray(Image.open(path).convert("L")).astype(float)
    h, w = img.shape
    assert w >= 512 and 0.1 <= h / w <= 0.5
    dark = np.nonzero((img < 50).sum(1) > 0.5 * w)[0]  # rows mostly black: the targets, above the white recon
    assert len(dark) > 0.3 * h and dark.max() < h / 2
