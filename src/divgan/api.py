"""The Python API: ``divgan.train(config) -> Run`` and ``divgan.load(run_dir) -> generator``."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import DEFAULT_PRESET, Config, load_config, validate
from .errors import DivganError
from .train import checkpoint, distributed
from .train.rundir import RunDir
from .train.trainer import Trainer


@dataclass
class Run:
    """A finished (or interrupted) run: its directory, config, summary and trainer."""

    path: Path | None
    config: Config
    summary: dict
    trainer: Trainer

    @property
    def generator(self):
        """The generator to sample with: G, or its EMA average when ``tricks.ema`` is on (and samples)."""
        return self.trainer.tricks.sampler(self.trainer)


def default_out(cfg_source) -> Path:
    """runs/<preset or YAML stem>-<time>: the default preset's name without a config, "run" for a dict."""
    if cfg_source is None:
        cfg_source = DEFAULT_PRESET
    name = cfg_source if isinstance(cfg_source, str) and cfg_source else "run"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{Path(name).stem}-{stamp}"


def train(config: str | dict | Config | None = None, out: str | Path | None = None, overrides: list[str] | None = None,
          force: bool = False, save: bool = True, log=None) -> Run:
    """Train a GAN from a preset name, YAML path, dict or Config; writes a run directory unless
    ``save=False``."""
    cfg = load_config(config, overrides)
    trainer = Trainer(cfg, None, log=log)  # build first: a bad config never creates a folder
    if save:
        trainer.run = _create_run(Path(out) if out else default_out(config), cfg, force, trainer.dist.is_main)
    summary = trainer.fit()
    return Run(trainer.run.path if trainer.run else None, cfg, summary, trainer)


def _create_run(path: Path, cfg: Config, force: bool, is_main: bool) -> RunDir:
    """Rank 0 creates the run directory; under torchrun every rank gets its path, or its error."""
    made = error = None
    if is_main:
        try:
            made = RunDir.create(path, cfg.to_yaml(), force=force).path
        except DivganError as e:
            error = str(e)
        except OSError as e:
            error = f"cannot create run directory {path}: {e.strerror or e}"
    made, error = distributed.broadcast_object((made, error))
    if error:
        raise DivganError(error)
    return RunDir(made)


def read_run_config(path: Path, overrides: list[str] | None = None) -> Config:
    run = RunDir.open(path)
    try:
        raw = yaml.safe_load(run.config.read_text())
    except yaml.YAMLError:
        raise DivganError(f"{run.config} is not valid YAML") from None
    return load_config(raw if isinstance(raw, dict) else {}, overrides)


def resume(path: str | Path, overrides: list[str] | None = None, log=None) -> Run:
    """Continue a run from its newest usable checkpoint (``train.steps`` may be raised by overrides)."""
    cfg = read_run_config(Path(path), overrides)
    run = RunDir.open(Path(path))
    trainer = Trainer(cfg, run, log=log)
    trainer.resume()
    if overrides and trainer.dist.is_main:
        from .train.rundir import atomic_write_text

        atomic_write_text(run.config, cfg.to_yaml())
    summary = trainer.fit()
    return Run(run.path, cfg, summary, trainer)


def load_trainer(path: str | Path, which: str = "latest") -> Trainer:
    """A trainer restored from a run directory (``which``: "latest" or "best")."""
    cfg = read_run_config(Path(path))
    run = RunDir.open(Path(path))
    trainer = Trainer(cfg, run, log=lambda m: None)
    if which == "best":
        used = run.checkpoints / "best.pt"
        state = checkpoint.load(used)
    else:
        state, used = checkpoint.load_latest(run.checkpoints, warn=lambda m: None)
    trainer.restore(state, used)
    trainer.G.eval()
    return trainer


def load(path: str | Path, which: str = "latest"):
    """The trained generator of a run, in eval mode (``G(z)`` with ``z ~ N(0, I)``, ``G.latent_dim``); with
    ``tricks.ema`` (sampling on) its EMA average."""
    trainer = load_trainer(path, which)
    return trainer.tricks.sampler(trainer).eval()
