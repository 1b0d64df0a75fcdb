"""The 1-D fits of ``divgan divergences`` / ``divgan fgan1d`` on asymmetric mixtures: the sign of μ,
the closed form of the forward-KL fit, a brute-force grid search for the other divergences, and
games that diverge saying so."""
import json
import math

import pytest
import torch

from divgan.cli import main
from divgan.data import build_dataset
from divgan.density import f_divergence_terms
from divgan.divergences import DIVERGENCES
from divgan.fgan1d import direct_fit, divergence_warning, game_fit, quadrature_grid, warning_lines
from divgan.viz import divergences as viz_divergences

# asymmetric: no reflection maps it onto itself, so a fit at |μ| would be a different distribution
ASYM = {"name": "mixture1d", "means": [-3.0, 1.0], "stds": [0.5, 1.0], "weights": [0.3, 0.7]}


def _closed_form_moments(means, stds, weights):
    """Mean and std of a Gaussian mixture, by hand: E x = Σ w m, E x² = Σ w (s² + m²)."""
    mean = sum(w * m for m, w in zip(means, weights))
    second = sum(w * (s * s + m * m) for m, s, w in zip(means, stds, weights))
    return mean, math.sqrt(second - mean * mean)


@pytest.mark.parametrize("spec", [ASYM, {"name": "mixture1d", "means": [-3.0, 1.0], "stds": [0.5]}])
def test_forward_kl_fit_is_moment_matching_with_its_sign(spec):
    """argmin KL(P‖N(μ,σ²)) is the mixture's mean and std; the mean is negative here (−1.2 and −1)."""
    data = build_dataset(spec)
    weights = spec.get("weights") or [0.5, 0.5]
    stds = spec["stds"] * (2 // len(spec["stds"]))
    mean, std = _closed_form_moments(spec["means"], stds, weights)
    fit = direct_fit("kl", data)
    assert mean < 0
    assert fit["mu"] == pytest.approx(mean, abs=1e-3)
    assert fit["sigma"] == pytest.approx(std, abs=1e-3)


def _grid_min(div, lp, x, cell, mus, sigmas):
    """(value, μ, σ) of the smallest D_f(P‖N(μ, σ²)) over the grid mus × sigmas, by quadrature on x."""
    best = (math.inf, None, None)
    for s in sigmas.tolist():
        z = (x[None, :] - mus[:, None]) / s
        lq = -0.5 * z * z - math.log(s) - 0.5 * math.log(2 * math.pi)  # rows: μ, columns: x
        vals = f_divergence_terms(div, lp[None, :].expand_as(lq), lq).sum(1) * cell
        vals = torch.where(torch.isfinite(vals), vals, torch.full_like(vals, math.inf))
        i = int(vals.argmin())
        if float(vals[i]) < best[0]:
            best = (float(vals[i]), float(mus[i]), s)
    return best


def _grid_search(name, data, points):
    """Brute force: μ ∈ [−5, 3] step 0.1 × σ ∈ [0.1, 5] (40 log-spaced), then a 0.01-step grid around
    the best point (μ ± 0.15, σ × e^±0.15)."""
    div, (pts, cell) = DIVERGENCES[name], points
    lp, x = data.log_prob(pts), pts[:, 0].double()
    f64 = dict(dtype=torch.float64)
    _, mu, sigma = _grid_min(div, lp, x, cell, torch.linspace(-5.0, 3.0, 81, **f64),
                             torch.exp(torch.linspace(math.log(0.1), math.log(5.0), 40, **f64)))
    return _grid_min(div, lp, x, cell, torch.linspace(mu - 0.15, mu + 0.15, 31, **f64),
                     sigma * torch.exp(torch.linspace(-0.15, 0.15, 31, **f64)))


@pytest.mark.parametrize("name", [n for n in DIVERGENCES.names() if n != "kl"])
def test_direct_fit_agrees_with_a_brute_force_grid_search(name):
    """Nelder–Mead reaches the grid's minimum (or lower) at the grid's (μ, σ), sign included."""
    data = build_dataset(ASYM)
    points = quadrature_grid(data)
    fit = direct_fit(name, data, points=points)
    value, mu, sigma = _grid_search(name, data, points)
    assert fit["value"] <= value + 1e-6
    assert fit["mu"] == pytest.approx(mu, abs=0.02)
    assert fit["sigma"] == pytest.approx(sigma, rel=0.02)


def test_divergence_warning_flags_what_is_not_a_fit():
    data = build_dataset(ASYM)  # mean −1.2, std ≈ 2.04
    assert divergence_warning({"mu": -1.0, "sigma": 2.0, "value": 0.7, "bound": 0.6}, data) is None
    assert "non-finite" in divergence_warning({"mu": 1.0, "sigma": 2.0, "value": math.inf}, data)
    assert "non-finite" in divergence_warning({"mu": math.nan, "sigma": 2.0, "value": 1.0}, data)
    assert "1.1e+74" in divergence_warning({"mu": 1.5, "sigma": 3.0, "value": 1.1e74}, data)
    assert "left the data" in divergence_warning({"mu": 1.5, "sigma": 85.0, "value": 2.0}, data)
    assert "left the data" in divergence_warning({"mu": 40.0, "sigma": 1.0, "value": 2.0}, data)


def test_a_diverging_neyman_game_says_so(tmp_path, capsys, monkeypatch):
    """The Neyman game with the saturating loss blows up within 100 steps (σ → 10, D_f ~ 1e74): the
    output, table.md, table.json and the figure's panel all say it diverged."""
    texts = []
    close = viz_divergences.plt.close
    monkeypatch.setattr(viz_divergences.plt, "close", lambda fig: (texts.extend(t.get_text() for a in fig.axes for t in a.texts), close(fig)))
    assert main(["fgan1d", "--out", str(tmp_path), "--steps", "100", "--divergences", "neyman", "--games", "saturating"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: neyman, game with the saturating G loss: diverged" in out
    assert "WARNING: neyman" in (tmp_path / "table.md").read_text()
    assert json.loads((tmp_path / "table.json").read_text())[0]["saturating"]["warning"]
    assert json.loads((tmp_path / "table.json").read_text())[0]["direct"]["warning"] is None
    assert any(t.startswith("DIVERGED") and "saturating" in t for t in texts)


def test_a_converging_game_has_no_warning():
    g = game_fit("kl", "gaussian", steps=100, generator_loss="saturating")
    assert divergence_warning(g, build_dataset({"name": "mixture1d"})) is None
    assert warning_lines([{"divergence": "kl", "saturating": {**g, "warning": None}}]) == []
