"""Image grids are enlarged to a legible minimum width, by an integer factor, nearest neighbour."""
import numpy as np
import torch
from PIL import Image

from divgan.viz.grids import MIN_WIDTH, grid_image, save_grid


def test_a_grid_of_64_small_digits_is_at_least_512_px_wide(tmp_path):
    """64 images of 16×16 make a 146×146 grid; saved ×4 nearest neighbour: 584×584, pixels kept sharp."""
    x = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    path = save_grid(x, tmp_path / "g.png")
    img = np.asarray(Image.open(path).convert("L"))
    assert img.shape == (584, 584) and img.shape[1] >= MIN_WIDTH
    small = grid_image(x, min_width=0)
    assert small.shape[-1] == 146
    assert np.array_equal(img[::4, ::4], np.asarray(Image.open(save_grid(x, tmp_path / "s.png", min_width=0)).convert("L")))


def test_large_grids_are_not_enlarged():
    x = torch.zeros(4, 3, 300, 300)
    assert grid_image(x).shape[-1] == 2 * 302 + 2
