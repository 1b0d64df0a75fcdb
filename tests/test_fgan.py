"""The f-GAN objective: its relation to the classic GAN, stability, training with every divergence,
and the 1-D experiment (GAN game vs direct minimisation)."""
import json
import math
from pathlib import Path

import pytest
import torch

from divgan.api import train
from divgan.cli import main
from divgan.estimators import f_divergence_grid, gaussian_log_prob, grid
from divgan.divergences import DIVERGENCES
from divgan.fgan1d import direct_fit, game_fit, mixture
from divgan.objectives import FGAN, OBJECTIVES
from divgan.theory import train_critic

NAMES = DIVERGENCES.names()


def test_gan_bound_is_the_minimax_value_and_js_adds_log_4():
    """f-GAN with the GAN divergence is the minimax game exactly; with JS it is V + log 4, because
    D_js = 2·JSD and C(G) = −log 4 + 2·JSD."""
    g = torch.Generator().manual_seed(0)
    real, fake = 3 * torch.randn(256, generator=g), 3 * torch.randn(256, generator=g) - 1
    v = OBJECTIVES["minimax"]().value(real, fake)
    assert torch.allclose(FGAN("gan").value(real, fake), v, atol=1e-6)
    assert torch.allclose(FGAN("js").value(real, fake), v + math.log(4), atol=1e-5)
    # the discriminator losses differ by a constant, so their gradients coincide
    for name in ("gan", "js"):
        r, f = real.clone().requires_grad_(), fake.clone().requires_grad_()
        FGAN(name).d_loss(r, f).backward()
        r2, f2 = real.clone().requires_grad_(), fake.clone().requires_grad_()
        OBJECTIVES["minimax"]().d_loss(r2, f2).backward()
        assert torch.allclose(r.grad, r2.grad, atol=1e-7) and torch.allclose(f.grad, f2.grad, atol=1e-7)
    # the alternative generator loss of the GAN divergence is the non-saturating loss
    assert torch.allclose(FGAN("gan").g_loss(fake), OBJECTIVES["nonsaturating"]().g_loss(fake), atol=1e-6)


@pytest.mark.parametrize("loss", ["alternative", "saturating"])
@pytest.mark.parametrize("name", NAMES)
def test_losses_are_finite_at_extreme_critic_outputs(name, loss):
    obj = FGAN(name, loss)
    x = torch.tensor([-1e4, -300.0, -50.0, 0.0, 50.0, 300.0, 1e4], requires_grad=True)
    total = obj.d_loss(x, x.flip(0)) + obj.g_loss(x)
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("name", NAMES)
def test_every_divergence_trains_on_the_ring_without_nan(name):
    run = train("ring-vanilla", save=False, overrides=[
        "objective.name=fgan", f"objective.divergence={name}", "train.steps=40", "train.batch_size=64",
        "generator.hidden=[32,32]", "discriminator.hidden=[32,32]", "eval.every=40", "eval.n_samples=300",
        "train.progress=false", "train.on_nan=stop"], log=lambda m: None)
    final = run.summary["final"]
    assert run.summary["steps"] == 40
    assert all(math.isfinite(final[k]) for k in ("d_loss", "g_loss", "value", "kl_pq", "jsd"))
    assert all(torch.isfinite(p).all() for p in run.generator.parameters())


@pytest.mark.parametrize("name,tol", [("kl", 0.05), ("gan", 0.03), ("hellinger", 0.03)])
def test_running_bound_converges_to_the_true_divergence(name, tol):
    """P = the bimodal mixture, Q = N(0.5, 1.5²), both fixed; a critic trained alone: the running
    mean of the bound over the last 100 of 400 steps is within ``tol`` of D_f by quadrature
    (measured: KL 0.880 vs 0.906, GAN −0.929 vs −0.920, Hellinger 0.527 vs 0.543)."""
    data = mixture()
    g = torch.Generator().manual_seed(0)
    _, values = train_critic(FGAN(name), lambda n: data.sample(n, g), lambda n: 0.5 + 1.5 * torch.randn(n, 1, generator=g),
                             dim=1, steps=400, batch=256, hidden=(32, 32), lr=3e-3)
    pts, cell = grid([-15.0], [15.0], 6001)
    exact = f_divergence_grid(name, data.log_prob, gaussian_log_prob(0.5, 1.5), pts, cell)
    running = sum(values[-100:]) / 100
    assert running == pytest.approx(exact, abs=tol)
    assert sum(values[:20]) / 20 < exact - 2 * tol  # it did converge from below, not start there


def test_direct_fit_kl_covers_both_modes_and_reverse_kl_picks_one():
    data = mixture()  # modes at ±2, std 0.5
    kl, rkl = direct_fit("kl", data), direct_fit("reverse_kl", data)
    assert abs(kl["mu"]) < 0.05 and kl["sigma"] > 1.9  # μ ± σ reaches both modes
    assert kl["sigma"] == pytest.approx(math.sqrt(4 + 0.25), abs=0.01)  # moment matching: σ² = 2² + 0.5²
    assert abs(rkl["mu"]) == pytest.approx(2.0, abs=0.05) and rkl["sigma"] == pytest.approx(0.5, abs=0.05)
    assert rkl["value"] == pytest.approx(math.log(2), abs=1e-3)  # one mode of two: KL(q‖p) = log 2


def test_divergences_command_writes_figure_and_table(tmp_path, capsys):
    assert main(["divergences", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "divergences.png").stat().st_size > 10_000
    table = (tmp_path / "table.md").read_text()
    assert all(f"| {n} |" in table for n in NAMES)


# The game's fit vs the direct fit. Stated tolerance: |Δμ| ≤ 0.25 and |Δσ| ≤ 0.25 after 800 steps.
# KL, JS and GAN use the saturating generator loss (the one whose fixed point is the direct minimiser);
# reverse KL uses the alternative loss (its saturating game does not converge in this budget).
GAME_CASES = [("kl", "saturating"), ("js", "saturating"), ("gan", "saturating"), ("reverse_kl", "alternative")]


@pytest.mark.slow
@pytest.mark.parametrize("name,loss", GAME_CASES)
def test_game_fit_lands_near_the_direct_fit(name, loss):
    data = mixture()
    direct = direct_fit(name, data)
    game = game_fit(name, "gaussian", steps=800, generator_loss=loss)
    # the mixture is symmetric (x → −x): a one-mode fit may land on either mode, so compare |μ|
    assert abs(game["mu"]) == pytest.approx(abs(direct["mu"]), abs=0.25)
    assert game["sigma"] == pytest.approx(direct["sigma"], abs=0.25)
    if name == "kl":
        assert abs(game["mu"]) < 0.25 and game["sigma"] > 1.75  # covers both modes
    if name == "reverse_kl":
        assert abs(game["mu"]) > 1.75 and game["sigma"] < 0.75  # locks onto one mode


def test_fgan1d_command(tmp_path, capsys):
    assert main(["fgan1d", "--out", str(tmp_path), "--steps", "20", "--divergences", "kl,gan", "--games", "saturating,mlp"]) == 0
    assert (tmp_path / "fgan1d.png").exists()
    table = (tmp_path / "table.md").read_text()
    assert "| kl |" in table and "MLP std" in table
    assert main(["fgan1d", "--out", str(tmp_path), "--games", "nope"]) == 2


SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")
@pytest.mark.parametrize("name", NAMES)
def test_mnist_fgan_presets_train_without_nan(name):
    """Each divergence's MNIST preset (the paper's MLP architecture) trains a few steps, finite throughout."""
    preset = f"mnist-fgan-{name.replace('_', '-')}"
    run = train(preset, save=False, overrides=[f"data.root={SHARED}", "data.limit=500", "train.steps=4", "train.batch_size=32",
                                               "eval.every=4", "eval.n_samples=32", "train.progress=false", "train.on_nan=stop"],
                log=lambda m: None)
    assert run.config.objective.divergence == name and run.config.generator["hidden"] == [1200, 1200]
    assert all(math.isfinite(run.summary["final"][k]) for k in ("d_loss", "g_loss", "value"))


def test_fgan_samples_command_rows_per_divergence(tmp_path, capsys):
    """With CONFIG every divergence trains on that config; one row each, finals in FILE.json."""
    out = tmp_path / "rows.png"
    assert main(["fgan-samples", "ring-vanilla", "--out", str(out), "--steps", "5", "--divergences", "kl,tv", "--n", "50"]) == 0
    assert out.exists() and set(json.loads(out.with_suffix(".json").read_text())) == {"kl", "tv"}
    assert main(["fgan-samples", "ring-vanilla", "--out", str(out), "--divergences", "nope"]) == 2
    assert main(["fgan-samples", "ring-vanilla", "--out", str(tmp_path / "rows.jpg")]) == 2


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")
def test_fgan_samples_uses_each_divergences_tuned_preset(tmp_path, monkeypatch):
    """Without CONFIG each divergence trains with its own mnist-fgan-<name> preset (its tuned learning rates)."""
    import divgan.api

    seen = {}
    real_train = divgan.api.train

    def spy(config, **kw):
        run = real_train(config, **kw)
        seen[run.config.objective.divergence] = (config, run.config.optim.lr_g, run.config.optim.lr_d)
        return run

    monkeypatch.setattr(divgan.api, "train", spy)
    out = tmp_path / "rows.png"
    assert main(["fgan-samples", "--out", str(out), "--steps", "2", "--divergences", "reverse_kl,tv", "--set", f"data.root={SHARED}",
                 "--set", "data.limit=300", "--set", "train.batch_size=16", "--set", "eval.n_samples=16"]) == 0
    assert seen["reverse_kl"] == ("mnist-fgan-reverse-kl", 2e-4, 5e-4)
    assert seen["tv"] == ("mnist-fgan-tv", 5e-5, 5e-5)
    assert out.exists()
