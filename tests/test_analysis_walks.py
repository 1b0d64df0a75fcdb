"""Latent walks: linear / spherical interpolation, grid PNG and animated GIF."""
from __future__ import annotations

import pytest
import torch
from PIL import Image

from divgan.analysis.walks import interpolate, loop_path, walk_gif, walk_grid
from divgan.errors import DivganError


class StubTrainer:
    """Just enough of a trainer: sample(n, z) maps z (R×2) to 1×4×4 images."""

    def sample(self, n, z, labels=None):
        return torch.tanh(z[:, :1, None, None].expand(-1, 1, 4, 4) - z[:, 1:2, None, None])


def test_endpoints_and_midpoints():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 16, generator=g), torch.randn(3, 16, generator=g)
    for method in ("linear", "spherical"):
        z = interpolate(a, b, 5, method)
        assert z.shape == (3, 5, 16)
        assert torch.allclose(z[:, 0], a, atol=1e-5) and torch.allclose(z[:, -1], b, atol=1e-5)
    assert torch.allclose(interpolate(a, b, 3, "linear")[:, 1], (a + b) / 2)
    # spherical interpolation between orthogonal unit vectors stays on the unit sphere
    e1, e2 = torch.eye(16)[:1], torch.eye(16)[1:2]
    norms = interpolate(e1, e2, 7, "spherical").norm(dim=-1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)
    assert interpolate(e1, e2, 7, "linear").norm(dim=-1)[0, 3] < 0.75  # the linear path cuts the corner
    with pytest.raises(DivganError):
        interpolate(a, b, 5, "cubic")


def test_loop_path_is_closed():
    keys = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    path = loop_path(keys, 5, "spherical")
    assert path.shape == (12, 4) and torch.allclose(path[0], keys[0]) and torch.allclose(path[4], keys[1], atol=1e-5)


def test_grid_and_gif_files(tmp_path):
    t = StubTrainer()
    g = torch.Generator().manual_seed(2)
    png = walk_grid(t, torch.randn(3, 2, generator=g), torch.randn(3, 2, generator=g), 6, "linear", tmp_path / "w.png")
    w, h = Image.open(png).size
    k = -(-512 // (6 * 6 + 2))  # the grid (6 columns × 3 rows of 4-pixel images, padding 2) enlarged to ≥ 512 px
    assert (w, h) == (k * (6 * 6 + 2), k * (3 * 6 + 2))
    gif = walk_gif(t, torch.randn(3, 4, 2, generator=g), 5, "spherical", tmp_path / "w.gif", tiles=2, scale=2)
    im = Image.open(gif)
    assert im.is_animated and im.n_frames == 3 * 4
