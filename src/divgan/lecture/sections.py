"""The sections of ``divgan lecture``, in the order of the lecture (see ``divgan.lecture``).

Each section calls divgan's own training, commands and analysis functions; ``ctx.budget(quick,
full)`` picks its size. Captions state what the figure shows, measured numbers included."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import Figure, copy_figure, section  # noqa: E402

FGAN_DIVERGENCES = ("kl", "reverse_kl", "pearson", "neyman", "hellinger", "jeffrey", "js", "gan", "tv")


def _modes_text(final: dict) -> str:
    return f"{final['modes']}/{final['modes_total']} modes covered, {final['high_quality']:.0f}% high-quality samples"


def ring_run(ctx):
    """The lecture's ring run (shared by the ring and theory sections)."""
    steps = ctx.budget(2000, 8000)
    return ctx.train("ring", "ring-vanilla", [f"train.steps={steps}", f"eval.every={steps // 5}"])


@section("divergences", "Divergence convergence: forward KL, reverse KL and friends",
         requires=("divgan.commands.divergences", "divgan.fgan1d:direct_fit"))
def divergences(ctx) -> list[Figure]:
    work = ctx.out / "work" / "divergences"
    ctx.command("divergences", "--out", str(work))
    fig = copy_figure(work / "divergences.png", ctx.fig("divergences"))
    return [Figure(fig, "One Gaussian N(μ, σ²) fitted to a bimodal mixture (means ±2, std 0.5) by directly minimising each "
                   "f-divergence D_f(P‖N(μ,σ²)) of the registry. Forward KL is zero-avoiding: the fit spreads over both modes. "
                   "Reverse KL is zero-forcing: the fit locks onto one mode. Jensen–Shannon (what the GAN game minimises) "
                   "lies between. The table lists the fitted μ, σ and the divergence reached.",
                   "divgan divergences --out divergences", (work / "table.md").read_text())]


@section("ring", "The GAN on the ring of 8 Gaussians")
def ring(ctx) -> list[Figure]:
    run, cmd = ring_run(ctx)
    steps = run.trainer.step
    final = run.summary["final"]
    density = copy_figure(run.path / "samples" / "density.png", ctx.fig("ring_density"))
    curves = copy_figure(run.path / "samples" / "curves.png", ctx.fig("ring_curves"))
    return [
        Figure(density, "The GAN game on a ring of 8 Gaussians (PacGAN protocol: radius 1, std 0.01). Green: generator "
               "samples; contours: the real density; colour: the discriminator's D(x). D is high where real data "
               "outweighs generated data, and the generator moves its mass along D's gradient towards the modes. "
               f"After {steps} steps: {_modes_text(final)}.", cmd),
        Figure(curves, "The same run's losses per step and metrics per evaluation (modes covered, % high-quality, "
               "KL of the mode histogram to uniform, and the divergence tracker's estimated KL(p‖q), KL(q‖p), JSD(p‖q) "
               "where available). The losses do not settle: a GAN's loss is not a progress measure.", cmd),
    ]


@section("theory", "The optimal discriminator, checked: V(D, G) against C(G), D against D*",
         requires=("divgan.commands.theory", "divgan.theory:run_report"))
def theory(ctx) -> list[Figure]:
    run, cmd = ring_run(ctx)
    work = ctx.out / "work" / "theory"
    text = ctx.command("theory", str(run.path), "--out", str(work))
    rep = json.loads((work / "theory.json").read_text())
    fig = copy_figure(work / "theory.png", ctx.fig("theory"))
    gap = (f"The game value at the trained D, V(D, G) = {rep['game_value']:.4f}, lies {rep['gap']:.4f} ± {rep['gap_se']:.4f} "
           f"nats below its value at D*, C(G) = E_p log D* + E_q log(1 − D*) = {rep['C_at_D_star']:.4f} (V ≤ C must hold; "
           "the gap is how far D is from optimal). " if "gap" in rep else "")
    return [Figure(fig, "The trained discriminator of the ring run beside the optimal one, D*(x) = p(x)/(p(x) + q(x)), with the "
                   "generator density q estimated by a KDE of its samples. "
                   f"Mean |D − D*| = {rep.get('d_mae', float('nan')):.3f}. {gap}"
                   f"JSD(p‖q) by Monte Carlo = {rep['jsd']:.4f}; JSD(p‖q̂) of the KDE q̂ by Monte Carlo = {rep['jsd_kde_mc']:.4f} and by quadrature on a grid = {rep['jsd_reference']:.4f}; "
                   "Theorem 1 (C(G) = −log 4 + 2·JSD, minimised at q = p) is what makes the GAN a JSD minimiser. "
                   "Checks: " + "; ".join(f"{c['text']} ({'ok' if c['ok'] else 'FAIL'})" for c in rep["checks"]) + ".",
                   f"{cmd}; divgan theory runs/ring", text.strip())]


def zoo_panels(ctx, data: str, techniques, steps: int, fig: str, title: str):
    """One run per zoo technique on ``data`` (one seed, ``steps``): the density panels (titles: modes
    covered and % high-quality samples) and the rows for ``zoo.table``."""
    from ..viz.toy import plot_density_panels, snapshot
    from ..zoo import BASES, overrides

    snaps, titles, results = [], [], []
    for tech in techniques:
        sets = [*overrides(tech, data), f"train.steps={steps}", f"eval.every={steps}", "eval.snapshots=1"]
        if tech == "instance_noise":  # anneal to zero over the run, as `divgan zoo` does
            sets.append(f"tricks.instance_noise.anneal_steps={steps}")
        run, _ = ctx.train(f"zoo_{data}_{tech}", BASES[data], sets)
        final = run.summary["final"]
        snaps.append(snapshot(run.trainer))
        titles.append(f"{tech.replace('_', ' ')}: {final['modes']}/{final['modes_total']}, {final['high_quality']:.0f}% HQ")
        results.append({"technique": tech, "seed": 0, "seconds": run.summary["seconds"],
                        **{k: final[k] for k in ("modes", "modes_total", "high_quality", "kl_uniform")}})
    return plot_density_panels(run.trainer.data, snaps, ctx.fig(fig), titles=titles, title=title), results


@section("zoo", "Mode collapse and its remedies, side by side",
         requires=("divgan.zoo:TECHNIQUES", "divgan.zoo:table", "divgan.viz.zoo:unrolling_figure"))
def zoo(ctx) -> list[Figure]:
    from ..viz.zoo import unrolling_figure
    from ..zoo import LECTURE_TECHNIQUES, table

    steps = ctx.budget(800, 3000)
    side, results = zoo_panels(ctx, "grid", LECTURE_TECHNIQUES, steps, "zoo_grid",
                               "the 25-Gaussian grid after the same budget: vanilla and each remedy (samples in green)")
    zoo_cmd = f"divgan zoo --data grid --seeds 1 --steps {steps} --techniques {','.join(LECTURE_TECHNIQUES)}"
    figs = [Figure(side, f"Mode collapse and its remedies on the 5×5 grid of Gaussians, one seed, {steps} generator steps each: "
                   "plain GAN, instance noise, feature matching, historical averaging, minibatch discrimination, one-sided "
                   "label smoothing and the unrolled GAN (5 look-ahead steps). Panel titles: modes covered (of 25). One seed "
                   f"is an anecdote; `divgan zoo --seeds 5` gives mean ± s.e. over seeds.", zoo_cmd, table(results, list(LECTURE_TECHNIQUES)))]
    preset, fsteps, unroll = ("ring-vanilla", 800, 5) if ctx.quick else ("ring-unrolled-metz", 25000, 10)
    metz = unrolling_figure(preset, ctx.fig("zoo_unrolled"), fsteps, (0, unroll), panels=5)
    figs.append(Figure(metz, f"Metz et al. 2016, Fig. 1 on the {preset} preset: generator samples for a fixed z over "
                       f"{fsteps} steps, without unrolling (top) and with {unroll} unrolled discriminator steps (bottom); "
                       "the target in the last column. In the paper's setting (25,000 steps, 10 unrolling steps) the plain "
                       "GAN hops from mode to mode while the unrolled generator spreads over all of them"
                       + ("; this quick budget shows only the start of training, where that need not be visible yet." if ctx.quick else "."),
                       f"divgan zoo --figure zoo_unrolled.png --preset {preset} --steps {fsteps} --unroll {unroll} --panels 5"))
    return figs


@section("after_lecture", "After the lecture: IPM critics, gradient penalties, spectral norm, packing, EMA",
         requires=("divgan.zoo:MODERN_TECHNIQUES", "divgan.ipm:plot_dirac_gan"))
def after_lecture(ctx) -> list[Figure]:
    from ..ipm import plot_dirac_gan
    from ..zoo import MODERN_TECHNIQUES, table

    dirac = plot_dirac_gan(ctx.fig("dirac_gan"))
    figs = [Figure(dirac, "The Dirac-GAN of Mescheder et al. 2018: data δ₀, generator δ_θ, linear critic C(x) = ψx, "
                   "non-saturating loss. Without regularisation simultaneous gradient steps spiral away from the "
                   "equilibrium (0, 0) and alternating steps circle it; the R1 penalty γ/2·E_p‖∇C‖² (here γ = 1) "
                   "makes it converge. This is why R1/R2 (and the gradient penalties) stabilise GAN training.",
                   "python -c 'from divgan.ipm import plot_dirac_gan; plot_dirac_gan(\"dirac_gan.png\")'")]
    steps = ctx.budget(800, 3000)
    side, results = zoo_panels(ctx, "ring", ("vanilla", *MODERN_TECHNIQUES), steps, "zoo_modern_ring",
                               "the ring after the same budget: the plain GAN and each post-2016 technique (samples in green)")
    figs.append(Figure(side, f"The techniques that made GANs dependable after 2016, on the 8-Gaussian ring, one seed, {steps} "
                       "generator steps each: least squares (Mao et al. 2017), hinge + spectral norm (Miyato et al. 2018), "
                       "WGAN-GP (Gulrajani et al. 2017), R1 (Mescheder et al. 2018), RpGAN + R1 + R2 (Huang et al. 2024), "
                       "PacGAN packing (Lin et al. 2018) and a generator EMA (Yazıcı et al. 2019). Panel titles: modes "
                       "covered and % high-quality samples. Over seeds: `divgan zoo --data ring --seeds 10` and "
                       "docs/results.md.", f"divgan zoo --data ring --seeds 1 --steps {steps} --techniques vanilla,"
                       + ",".join(MODERN_TECHNIQUES), table(results, ["vanilla", *MODERN_TECHNIQUES])))
    return figs


@section("fgan1d", "f-GAN in 1-D: the game lands where direct minimisation does",
         requires=("divgan.commands.fgan1d", "divgan.fgan1d:direct_fit"))
def fgan1d(ctx) -> list[Figure]:
    work = ctx.out / "work" / "fgan1d"
    steps = ctx.budget(400, 1000)
    args = ["--steps", str(steps)] + (["--divergences", "kl,reverse_kl,js,gan"] if ctx.quick else [])
    ctx.command("fgan1d", "--out", str(work), *args)
    figs = sorted(work.glob("*.png"))
    return [Figure(copy_figure(f, ctx.fig(f"fgan1d_{f.stem}" if f.stem != "fgan1d" else "fgan1d")),
                   "The f-GAN game in 1-D (Nowozin et al. 2016): a Gaussian generator (and a small MLP generator) trained "
                   f"{steps} steps against a critic with each divergence's variational bound, compared with the direct "
                   "minimisation of the same divergence; KL covers both modes, reverse KL picks one.",
                   shlex.join(["divgan", "fgan1d", *args]), (work / "table.md").read_text() if (work / "table.md").exists() else "")
            for f in figs]


FGAN_RING_GAMMA = {"kl": 1.0, "jeffrey": 1.0}  # R1 weights other than ring-fgan's 0.1 (docs/tricks.md: they need the stronger pull)


@section("fgan_ring", "f-GAN: one training objective per f-divergence")
def fgan_ring(ctx) -> list[Figure]:
    """Every divergence on the ring twice: with the ``ring-fgan`` preset (R1 penalty and an EMA generator:
    docs/tricks.md, "Every f-divergence on the ring"), which makes all nine train, and as the lecture's
    plain f-GAN (``ring-vanilla`` with the f-GAN objective)."""
    from ..viz.toy import plot_density_panels, snapshot

    steps = ctx.budget(1500, 3000)
    figures = []
    for tag, preset, base, label in (("", "ring-fgan", [], "with R1 and an EMA generator"),
                                     ("_plain", "ring-vanilla", ["objective.name=fgan"], "without a penalty")):
        snaps, titles, cmds, covered = [], [], [], []
        for div in FGAN_DIVERGENCES:
            gamma = [f"tricks.gradient_penalty.weight={FGAN_RING_GAMMA[div]:g}"] if tag == "" and div in FGAN_RING_GAMMA else []
            run, cmd = ctx.train(f"fgan_ring{tag}_{div}", preset, [*base, f"objective.divergence={div}", *gamma,
                                                               f"train.steps={steps}", f"eval.every={steps}", "eval.snapshots=1"])
            snaps.append(snapshot(run.trainer))
            final = run.summary["final"]
            titles.append(f"{div}: {final['modes']}/{final['modes_total']} modes, {final['high_quality']:.0f}% HQ")
            covered.append(final["modes"])
            cmds.append(cmd)
        path = plot_density_panels(run.trainer.data, snaps, ctx.fig(f"fgan_ring{tag}"), titles=titles, cols=3,
                                   title=f"f-GAN on the ring, {label}: samples (green), sigmoid of the critic output (colour)")
        n = len(FGAN_DIVERGENCES)
        few = sum(c <= 2 for c in covered)
        text = (f"With the ring-fgan preset — the zero-centred R1 gradient penalty γ/2·E_p‖∇ₓV‖² on the critic's raw output V "
                "(γ = 0.1; 1 for kl and jeffrey) and samples from an exponential moving average of the generator's weights (β = 0.99) — "
                f"{sum(c >= 7 for c in covered)} of the {n} divergences cover at least 7 of the 8 modes (over 5 seeds: the "
                "table in docs/tricks.md)." if tag == "" else
                f"The same runs without the penalty (the lecture's plain f-GAN): {few} of the {n} divergences end on 0–2 "
                "modes. The unregularised game circles around the data (kl, reverse_kl, pearson, jeffrey) or its critic "
                "saturates where g_f is flat (tv, neyman); docs/tricks.md measures both.")
        cmd = cmds[-1].replace(f"objective.divergence={FGAN_DIVERGENCES[-1]}", "objective.divergence=<" + "|".join(FGAN_DIVERGENCES) + ">")
        figures.append(Figure(path, "The f-GAN game (Nowozin et al. 2016) minimises the variational bound of a chosen "
                              f"f-divergence; the plain GAN's generator and critic (seed 0) trained {steps} steps with "
                              f"each divergence of the catalogue. {text} Each panel: the final samples and the modes they cover.",
                              cmd))
    return figures


def _real_vs_fake(real, fake, path: Path, title: str) -> Path:
    """Two image grids side by side: training data and generator samples."""
    from torchvision.utils import make_grid

    from ..pixels import to_unit

    fig, axes = plt.subplots(1, 2, figsize=(8, 4.3))
    for ax, imgs, name in zip(axes, (real, fake), ("training data", "generator samples")):
        grid = make_grid(to_unit(imgs), nrow=8, padding=2, pad_value=1.0)
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def image_run(ctx):
    """The lecture's image GAN: DCGAN on MNIST when its files are in the data root (full budget),
    else on scikit-learn's embedded 8×8 digits."""
    mnist = ctx.data_root and (Path(ctx.data_root) / "MNIST" / "raw").is_dir() and not ctx.quick
    if mnist:
        return ctx.train("dcgan", "mnist-dcgan", []), "MNIST"
    steps = ctx.budget(800, 3000)
    return ctx.train("dcgan", "digits-dcgan", [f"train.steps={steps}", f"eval.every={steps // 4}"]), "scikit-learn's 8×8 digits (16×16)"


@section("dcgan", "DCGAN on digits")
def dcgan(ctx) -> list[Figure]:
    import torch

    (run, cmd), name = image_run(ctx)
    tr = run.trainer
    real = tr.data.sample(64, torch.Generator().manual_seed(0))
    fake = tr.sample(64, z=tr.fixed_z[:64])
    path = _real_vs_fake(real, fake, ctx.fig("dcgan_digits"), f"DCGAN on {name}, {tr.step} steps")
    return [Figure(path, f"DCGAN (Radford et al. 2015: strided convolutions, batch norm, ReLU/tanh generator, LeakyReLU "
                   f"discriminator) trained {tr.step} steps on {name}: training images (left) beside samples from "
                   "fixed noise (right).", cmd)]


@section("walk", "A walk in latent space", requires=("divgan.commands.interpolate", "divgan.analysis.walks:walk_grid"))
def walk(ctx) -> list[Figure]:
    (run, cmd), name = image_run(ctx)
    png, gif = ctx.fig("walk"), ctx.fig("walk").with_suffix(".gif")
    ctx.command("interpolate", str(run.path), "--rows", "6", "--steps", "10", "--out", str(png), "--gif", str(gif))
    text = ("Spherical interpolation between pairs of random latent vectors, one walk per row, through the DCGAN trained on "
            f"{name}: the images change smoothly from one digit into another, with no jumps — the generator has learned a "
            "continuous map, not a lookup table of training images (Radford et al. 2015).")
    walk_cmd = "divgan interpolate runs/dcgan --rows 6 --steps 10 --out walk.png --gif walk.gif"
    return [Figure(png, text, walk_cmd), Figure(gif, "The same walks as an animation looping through four keypoints.", walk_cmd)]


@section("lapgan", "LAPGAN: coarse-to-fine generation", requires=("divgan.models.lapgan", "divgan.viz.chain:save_chain"))
def lapgan(ctx) -> list[Figure]:
    mnist = ctx.data_root and (Path(ctx.data_root) / "MNIST" / "raw").is_dir() and not ctx.quick
    steps = ctx.budget(600, 2000)
    overrides = [f"train.steps={steps}", f"eval.every={steps // 2}"] + ([] if mnist else ["data={name: digits, size: 32}"])
    run, cmd = ctx.train("lapgan", "mnist-lapgan", overrides)
    fig = copy_figure(run.path / "samples" / "chain.png", ctx.fig("lapgan_chain"))
    return [Figure(fig, f"LAPGAN (Denton et al. 2015) trained {steps} steps on {'MNIST' if mnist else 'the embedded digits'} "
                   "at 32×32 with a 3-level Laplacian pyramid: each column is one sample, from the coarsest level's 8×8 "
                   "image (top row) to the final 32×32 image (bottom row); every level's generator adds the band-pass "
                   "detail of its scale, conditioned on the upsampled coarser image.", cmd)]


@section("neighbours", "Memorisation? Samples beside their nearest training images",
         requires=("divgan.commands.neighbours", "divgan.analysis.neighbours:neighbours_figure"))
def neighbours(ctx) -> list[Figure]:
    (run, cmd), name = image_run(ctx)
    fig = ctx.fig("neighbours")
    stats = json.loads(ctx.command("neighbours", str(run.path), "--n", "16", "--out", str(fig)))
    px = stats.get("pixels", {})
    measured = (f" Mean nearest-training-image distance in pixel space: samples {px['sample_mean']:.2f}, held-out real "
                f"images {px['test_mean']:.2f} (ratio {px['ratio']:.2f}); a ratio well below 1 would suggest copying "
                f"(computed on {stats['samples']} samples and {stats['train_images']} training images)."
                if px else "")
    return [Figure(fig, f"Goodfellow et al. 2014, Fig. 2: DCGAN samples ({name}) each followed by its nearest training "
                   "image (framed). Samples that are not copies of their neighbours show the generator is not "
                   f"memorising.{measured}", "divgan neighbours runs/dcgan --n 16")]


@section("inversion", "Inverting the generator: recovering z from an image",
         requires=("divgan.commands.invert", "divgan.analysis.inversion:invert"))
def inversion(ctx) -> list[Figure]:
    (run, cmd), name = image_run(ctx)
    fig = ctx.fig("inversion")
    steps = ctx.budget(100, 300)
    res = json.loads(ctx.command("invert", str(run.path), "--n", "10", "--steps", str(steps), "--out", str(fig)))
    return [Figure(fig, f"Inversion (Metz et al. 2016, Fig. 5 protocol): for 10 training images (top rows) z is found by "
                   f"minimising ‖G(z) − x‖² with Adam from {res['starts']} random starts, {steps} steps; reconstructions "
                   f"below. Mean reconstruction MSE on [0, 1] pixels: {res['mse_mean']:.4f}. What the generator cannot "
                   "reconstruct is what it does not cover.", f"divgan invert runs/dcgan --n 10 --steps {steps}")]
