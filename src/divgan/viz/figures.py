"""The figures a training run writes into ``samples/`` (called by the trainer)."""
from __future__ import annotations

from pathlib import Path

from . import curves, grids, toy


def on_evaluate(trainer, samples) -> None:
    """At each evaluation: a toy snapshot and density panels (2-D) or a fixed-noise sample grid
    (images); the row to TensorBoard (if on); report.html rewritten."""
    if trainer.data.kind == "toy" and trainer.data.dim == 2:
        trainer.snapshots.append(toy.snapshot(trainer))
        toy.plot_density_panels(trainer.data, _spread(trainer.snapshots, trainer.cfg.eval.snapshots), trainer.run.samples / "density.png")
    elif trainer.data.kind == "image":
        grids.save_grid(trainer.sample(len(trainer.fixed_z), z=trainer.fixed_z), trainer.run.samples / f"step_{trainer.step:08d}.png")
    from ..train import tensorboard
    from . import report

    tensorboard.log_row(trainer, trainer.metrics_log[-1])  # beside metrics.jsonl, if train.tensorboard
    report.write_report(trainer.run.path, trainer)  # the page follows the run while it trains


def _spread(items: list, k: int) -> list:
    if len(items) <= k:
        return items
    idx = sorted({round(i * (len(items) - 1) / (k - 1)) for i in range(k)}) if k > 1 else [len(items) - 1]
    return [items[i] for i in idx]


def on_finish(trainer) -> dict[str, str]:
    """Final figures; returns {name: path relative to the run directory}."""
    run = trainer.run
    out: dict[str, Path] = {}
    data = trainer.data
    if data.kind == "toy" and data.dim == 2 and trainer.snapshots:
        out["density"] = toy.plot_density_panels(data, _spread(trainer.snapshots, trainer.cfg.eval.snapshots), run.samples / "density.png")
    elif data.kind == "toy" and data.dim == 1:
        out["samples"] = toy.plot_samples_1d(data, trainer.sample(5000), run.samples / "samples_1d.png", title=f"step {trainer.step}")
    elif data.kind == "image":
        out["grid"] = grids.save_grid(trainer.sample(len(trainer.fixed_z), z=trainer.fixed_z), run.samples / "final.png")
        if hasattr(trainer.G, "chain"):  # LAPGAN: the coarse-to-fine chain
            from .chain import save_chain

            out["chain"] = save_chain(trainer, run.samples / "chain.png")
    out["curves"] = curves.plot_curves(trainer.losses, trainer.metrics_log, run.samples / "curves.png")
    from ..train import tensorboard
    from . import report

    tensorboard.close(trainer)
    out["report"] = report.write_report(run.path, trainer, finished=True)
    return {k: str(Path(v).relative_to(run.path)) for k, v in out.items()}
