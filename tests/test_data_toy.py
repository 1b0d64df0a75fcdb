"""Toy distributions: exact log-densities that integrate to one, sampling matching the means."""
import math

import torch

from divgan.data import build_dataset


def test_ring_defaults_follow_pacgan():
    ring = build_dataset({"name": "ring"})
    assert ring.means.shape == (8, 2) and ring.std == 0.01
    assert torch.allclose(ring.means.norm(dim=1), torch.ones(8, dtype=torch.float64))


def test_grid_has_25_modes_on_the_lattice():
    grid = build_dataset({"name": "grid"})
    assert grid.means.shape == (25, 2) and grid.std == 0.05
    assert sorted(set(grid.means[:, 0].tolist())) == [-4, -2, 0, 2, 4]


def test_log_prob_integrates_to_one_2d():
    ring = build_dataset({"name": "ring", "std": 0.1})
    xs = torch.linspace(-1.8, 1.8, 721, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, xs, indexing="xy")
    p = ring.log_prob(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)).exp()
    h = (xs[1] - xs[0]).item()
    assert abs(p.sum().item() * h * h - 1) < 1e-3


def test_mixture1d_log_prob_matches_formula():
    m = build_dataset({"name": "mixture1d", "means": [-1.0, 2.0], "stds": [0.5, 1.0], "weights": [1, 3]})
    x = torch.tensor([[0.3]], dtype=torch.float64)
    n = lambda x, mu, s: math.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    expected = math.log(0.25 * n(0.3, -1, 0.5) + 0.75 * n(0.3, 2, 1.0))
    assert math.isclose(m.log_prob(x).item(), expected, rel_tol=1e-9)


def test_sampling_is_seeded_and_puts_mass_on_every_mode():
    ring = build_dataset({"name": "ring"})
    a = ring.sample(4000, torch.Generator().manual_seed(1))
    b = ring.sample(4000, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.dtype == torch.float32
    nearest = torch.cdist(a.double(), ring.means).argmin(1)
    counts = torch.bincount(nearest, minlength=8)
    assert counts.min() > 400
    assert (a.double() - ring.means[nearest]).norm(dim=1).max() < 6 * 0.01
