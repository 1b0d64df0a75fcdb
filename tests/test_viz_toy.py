"""Toy figures: density panels wrap into rows (a strip of 7+ panels is unreadable on a laptop)."""
from __future__ import annotations

import torch
from PIL import Image

from divgan.config import load_config
from divgan.data import build_dataset
from divgan.viz.toy import PANELS_PER_ROW, plot_density_panels


def fake_snapshot(step: int, grid: int = 40) -> dict:
    g = torch.Generator().manual_seed(step)
    return {"step": step, "d": torch.rand(grid, grid, generator=g), "samples": torch.randn(200, 2, generator=g) * 0.5}


def test_density_panels_wrap_into_rows(tmp_path):
    data = build_dataset(dict(load_config("ring").data))
    one = Image.open(plot_density_panels(data, [fake_snapshot(0)], tmp_path / "one.png")).size
    row = Image.open(plot_density_panels(data, [fake_snapshot(i) for i in range(PANELS_PER_ROW)], tmp_path / "row.png")).size
    seven = Image.open(plot_density_panels(data, [fake_snapshot(i) for i in range(7)], tmp_path / "seven.png")).size
    assert row[0] > 2 * one[0] and row[1] < 1.3 * one[1]  # up to PANELS_PER_ROW side by side
    assert seven[0] < 1.2 * row[0] and seven[1] > 1.7 * row[1]  # then a second row, not a wider strip
    assert seven[0] / seven[1] < 2.5


def test_density_panels_cols_sets_the_row_length(tmp_path):
    """``cols=3``: nine panels as a 3×3 square (the lecture's f-GAN figure), not 4 + 4 + 1."""
    data = build_dataset(dict(load_config("ring").data))
    snaps = [fake_snapshot(i) for i in range(9)]
    square = Image.open(plot_density_panels(data, snaps, tmp_path / "square.png", cols=3)).size
    wide = Image.open(plot_density_panels(data, snaps, tmp_path / "wide.png")).size
    assert 0.8 < square[0] / square[1] < 1.3 and square[0] < 0.85 * wide[0]
