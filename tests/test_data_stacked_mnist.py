"""Stacked MNIST: three independent MNIST digits as channels, mode labels 0..999, exact resume."""
from pathlib import Path

import pytest
import torch

from divgan.data import build_dataset

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))


def test_stacked_mnist_samples_and_modes():
    d = build_dataset({"name": "stacked_mnist", "root": str(SHARED)}, seed=0)
    assert d.kind == "image" and d.shape == (3, 28, 28) and d.modes == 1000
    state = d.state_dict()
    x, modes = d.sample(4000, labels=True)
    assert x.shape == (4000, 3, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert modes.min() >= 0 and modes.max() <= 999 and len(modes.unique()) > 950
    # each channel is an MNIST digit whose label is the mode's digit at that position
    for c, digit in enumerate([modes // 100, modes // 10 % 10, modes % 10]):
        i = 0
        match = (d.images.float().div(127.5).sub(1) - x[i, c]).abs().flatten(1).amax(1) < 1e-6
        assert (d.labels[match] == digit[i]).all() and match.any()
    assert not torch.equal(x[:, 0], x[:, 1])  # channels drawn independently
    again = build_dataset({"name": "stacked_mnist", "root": str(SHARED)}, seed=0)
    again.load_state_dict(state)
    assert torch.equal(again.sample(4000), x)
