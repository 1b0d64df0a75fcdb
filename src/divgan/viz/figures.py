"""The figures a training run writes into ``samples/``, and the report page: run callbacks.

``Figures`` draws at each evaluation (toy snapshots and density panels, or a fixed-noise image grid)
and at the end (final grid, LAPGAN chain, 1-D samples, curves); its toy snapshots are kept in
checkpoints so a resumed run's density figure continues. ``ReportPage`` rewrites ``report.html`` at
every evaluation and at the end. ``divgan train`` installs both (``divgan.api.default_callbacks``)."""
from __future__ import annotations

from pathlib import Path

from ..run.callbacks import Callback
from . import curves, grids, toy


def spread(items: list, k: int) -> list:
    """At most k items, evenly spread, first and last included."""
    if len(items) <= k:
        return items
    idx = sorted({round(i * (len(items) - 1) / (k - 1)) for i in range(k)}) if k > 1 else [len(items) - 1]
    return [items[i] for i in idx]


_spread = spread  # the old private name


def fixed_grid(core, path: Path) -> Path:
    """The grid of the run's fixed noise (and fixed labels): one row per class for a conditional run."""
    images = core.sample(len(core.fixed_z), z=core.fixed_z, labels=core.fixed_y)
    if core.fixed_y is None:
        return grids.save_grid(images, path)
    rows, width = grids.class_rows(images, core.fixed_y, core.num_classes)
    return grids.save_grid(rows, path, nrow=width)


class Figures(Callback):
    """samples/: density.png (2-D toys), step_N.png and final.png (images), samples_1d.png (1-D
    toys), chain.png (LAPGAN), curves.png. Draws from its own noise, never the training RNGs."""

    key = "figures"

    def __init__(self, run_dir):
        self.run, self.snapshots = run_dir, []

    def state_dict(self) -> dict:
        return {"snapshots": self.snapshots}

    def load_state_dict(self, state: dict) -> None:
        self.snapshots = list(state.get("snapshots", []))

    def _samples(self) -> Path:
        """samples/, made again if it was deleted (a run goes on without its old figures)."""
        self.run.samples.mkdir(parents=True, exist_ok=True)
        return self.run.samples

    def on_evaluate(self, driver, row, samples):
        core, samples_dir = driver.core, self._samples()
        if core.data.kind == "toy" and core.data.dim == 2:
            self.snapshots.append(toy.snapshot(core))
            toy.plot_density_panels(core.data, spread(self.snapshots, core.cfg.eval.snapshots), samples_dir / "density.png")
        elif core.data.kind == "image":
            fixed_grid(core, samples_dir / f"step_{core.step:08d}.png")

    def on_finish(self, driver, summary):
        core, run, data = driver.core, self.run, driver.core.data
        self._samples()
        out: dict[str, Path] = {}
        if data.kind == "toy" and data.dim == 2 and self.snapshots:
            out["density"] = toy.plot_density_panels(data, spread(self.snapshots, core.cfg.eval.snapshots), run.samples / "density.png")
        elif data.kind == "toy" and data.dim == 1:
            out["samples"] = toy.plot_samples_1d(data, core.sample(5000), run.samples / "samples_1d.png", title=f"step {core.step}")
        elif data.kind == "image":
            out["grid"] = fixed_grid(core, run.samples / "final.png")
            if hasattr(core.G, "chain"):  # LAPGAN: the coarse-to-fine chain
                from .chain import save_chain

                out["chain"] = save_chain(core, run.samples / "chain.png")
        out["curves"] = curves.plot_curves(core.losses, driver.metrics_log, run.samples / "curves.png")
        summary.setdefault("figures", {}).update({k: str(Path(v).relative_to(run.path)) for k, v in out.items()})


class ReportPage(Callback):
    """report.html, rewritten at each evaluation and at the end (install it after ``Figures``)."""

    def __init__(self, run_dir):
        self.run = run_dir

    def on_evaluate(self, driver, row, samples):
        from .report import write_report

        write_report(self.run.path, driver)

    def on_finish(self, driver, summary):
        from .report import write_report

        path = write_report(self.run.path, driver, finished=True)
        summary.setdefault("figures", {})["report"] = str(Path(path).relative_to(self.run.path))
