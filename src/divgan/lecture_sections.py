"""The sections of ``divgan lecture``, in the order of the lecture (see ``divgan.lecture``).

Each section calls divgan's own training, commands and analysis functions; ``ctx.budget(quick,
full)`` picks its size. Captions state what the figure shows, measured numbers included."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .lecture import Figure, copy_figure, section  # noqa: E402

FGAN_DIVERGENCES = ("kl", "reverse_kl", "pearson", "hellinger", "js", "gan")


def _modes_text(final: dict) -> str:
    return f"{final['modes']}/{final['modes_total']} modes covered, {final['high_quality']:.0f}% high-quality samples"


@section("ring", "The GAN on the ring of 8 Gaussians")
def ring(ctx) -> list[Figure]:
    steps = ctx.budget(2000, 8000)
    run, cmd = ctx.train("ring", "ring", [f"train.steps={steps}", f"eval.every={steps // 5}"])
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


@section("fgan_ring", "f-GAN: one training objective per f-divergence")
def fgan_ring(ctx) -> list[Figure]:
    from .viz.toy import plot_density_panels, snapshot

    steps = ctx.budget(1500, 6000)
    snaps, titles, cmds = [], [], []
    for div in FGAN_DIVERGENCES:
        run, cmd = ctx.train(f"fgan_ring_{div}", "ring", ["objective.name=fgan", f"objective.divergence={div}",
                                                          f"train.steps={steps}", f"eval.every={steps}", "eval.snapshots=1"])
        snaps.append(snapshot(run.trainer))
        final = run.summary["final"]
        titles.append(f"{div}: {final['modes']}/{final['modes_total']} modes")
        cmds.append(cmd)
    path = plot_density_panels(run.trainer.data, snaps, ctx.fig("fgan_ring"), titles=titles,
                               title="f-GAN on the ring: generator samples (green), sigmoid of the critic output (colour)")
    return [Figure(path, "The f-GAN game (Nowozin et al. 2016) minimises the variational bound of a chosen f-divergence; "
                   f"the same generator and critic trained {steps} steps with each divergence of the f-GAN table. "
                   "Each panel: final samples and how many of the 8 modes they cover.",
                   cmds[0].replace(f"objective.divergence={FGAN_DIVERGENCES[0]}", "objective.divergence=<" + "|".join(FGAN_DIVERGENCES) + ">"))]


def _real_vs_fake(real, fake, path: Path, title: str) -> Path:
    """Two image grids side by side: training data and generator samples."""
    from torchvision.utils import make_grid

    fig, axes = plt.subplots(1, 2, figsize=(8, 4.3))
    for ax, imgs, name in zip(axes, (real, fake), ("training data", "generator samples")):
        grid = make_grid((imgs.float().clamp(-1, 1) + 1) / 2, nrow=8, padding=2, pad_value=1.0)
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
