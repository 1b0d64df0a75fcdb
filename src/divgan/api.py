"""The Python API: ``divgan.train(config) -> Run``, ``divgan.resume(run_dir)`` and
``divgan.load(run_dir) -> generator``.

``train`` builds the training core (``divgan.train.trainer.Trainer``) and runs it with the run driver
(``divgan.run.Driver``). ``callbacks=None`` installs the ones ``divgan train`` uses when a run
directory is written (metrics.jsonl, TensorBoard if ``train.tensorboard``, figures, report.html);
pass a list of your own ``divgan.run.Callback`` objects instead, or ``[]`` for none. With
``save=False`` and no callbacks, training writes no file at all."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import DEFAULT_PRESET, Config, load_config
from .data import StandIn
from .errors import DivganError
from .io import atomic_write_text
from .run import Callback, Driver, JsonlMetrics
from .train import checkpoint, distributed
from .train.rundir import RunDir
from .train.trainer import Trainer


@dataclass
class Run:
    """A finished (or interrupted) run: its directory, config, summary, core and driver."""

    path: Path | None
    config: Config
    summary: dict
    trainer: Trainer  # the training core (G, D, optimisers, losses, sample())
    driver: Driver | None = None  # the schedule around it (metrics_log, best, rollbacks)

    @property
    def generator(self):
        """The generator to sample with: G, or its EMA average when ``tricks.ema`` is on (and samples)."""
        return self.trainer.tricks.sampler(self.trainer)

    @property
    def core(self) -> Trainer:
        return self.trainer


def default_out(cfg_source) -> Path:
    """runs/<preset or YAML stem>-<time>: the default preset's name without a config, "run" for a dict."""
    if cfg_source is None:
        cfg_source = DEFAULT_PRESET
    name = cfg_source if isinstance(cfg_source, str) and cfg_source else "run"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{Path(name).stem}-{stamp}"


def default_callbacks(run: RunDir | None, cfg: Config) -> list[Callback]:
    """What ``divgan train`` installs: metrics.jsonl, TensorBoard (``train.tensorboard``), the figures
    in samples/ and report.html. None without a run directory."""
    if run is None:
        return []
    from .viz.figures import Figures, ReportPage

    out: list[Callback] = [JsonlMetrics(run)]
    if cfg.train.tensorboard:
        from .run.tensorboard import TensorBoard

        out.append(TensorBoard(run, cfg.to_yaml()))
    return out + [Figures(run), ReportPage(run)]


def train(config: str | dict | Config | None = None, out: str | Path | None = None, overrides: list[str] | None = None,
          force: bool = False, save: bool = True, log=None, callbacks: list[Callback] | None = None,
          extra_callbacks: list[Callback] | None = None) -> Run:
    """Train a GAN from a preset name, YAML path, dict or Config; writes a run directory unless
    ``save=False``. ``callbacks``: None for the defaults of a saved run, or your own list;
    ``extra_callbacks`` are added to either (e.g. the live page's ``divgan.live.Publisher``)."""
    cfg = load_config(config, overrides)
    core = Trainer(cfg, log=log)  # build first: a bad config never creates a folder
    run = _create_run(Path(out) if out else default_out(config), cfg, force, core.dist.is_main) if save else None
    driver = Driver(core, run, (default_callbacks(run, cfg) if callbacks is None else callbacks) + list(extra_callbacks or []))
    summary = driver.fit()
    return Run(run.path if run else None, cfg, summary, core, driver)


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


def resume(path: str | Path, overrides: list[str] | None = None, log=None, callbacks: list[Callback] | None = None,
           fallback: bool = False, extra_callbacks: list[Callback] | None = None) -> Run:
    """Continue a run from its newest checkpoint (``train.steps`` may be raised by overrides). A damaged
    newest checkpoint is an error naming the newest usable one; ``fallback=True`` resumes from that one
    (saying so in one line). No file is renamed or deleted."""
    cfg = read_run_config(Path(path), overrides)
    run = RunDir.open(Path(path))
    core = Trainer(cfg, log=log)
    driver = Driver(core, run, (default_callbacks(run, cfg) if callbacks is None else callbacks) + list(extra_callbacks or []))
    driver.resume(fallback=fallback)
    if overrides and core.dist.is_main:
        atomic_write_text(run.config, cfg.to_yaml())
    summary = driver.fit()
    return Run(run.path, cfg, summary, core, driver)


def load_trainer(path: str | Path, which: str = "latest", fallback: bool = False, log=None) -> Trainer:
    """The training core restored from a run directory (``which``: "latest" or "best"), with
    ``.run`` (its RunDir). Needs only the run directory: the data's shape comes from the checkpoint,
    and the dataset is loaded only if something asks for real data."""
    run = RunDir.open(Path(path))
    if which == "best":
        used = run.checkpoints / "best.pt"
        state = checkpoint.load(used)
    else:
        state, used = checkpoint.load_latest(run.checkpoints, fallback=fallback, warn=log or _stderr)
    cfg = read_run_config(Path(path))  # the run's config (what --resume continues with)
    meta = state.get("meta")
    # the data's shape from the checkpoint: an image dataset is loaded only if real data is asked for
    # (a checkpoint from before checkpoints described their data: the dataset gives the shape)
    data = StandIn(meta["data"], dict(cfg.data), seed=cfg.seed) if meta and meta["data"]["kind"] == "image" else None
    core = Trainer(cfg, log=lambda m: None, data=data)
    core.restore(state, used)
    core.G.eval()
    core.run = run
    core.checkpoint_path = used
    return core


def load(path: str | Path, which: str = "latest", fallback: bool = False):
    """The trained generator of a run, in eval mode (``G(z)`` with ``z ~ N(0, I)``, ``G.latent_dim``;
    a conditional run's ``G(z, y)`` with labels y in 0..``G.num_classes``−1); with ``tricks.ema``
    (sampling on) its EMA average."""
    trainer = load_trainer(path, which, fallback)
    return trainer.tricks.sampler(trainer).eval()


def sample(path: str | Path, n: int = 64, labels=None, seed: int = 0, which: str = "latest"):
    """n samples of a trained run (on the CPU; images in [-1, 1]). A conditional run's samples are of
    class ``labels`` (an int, or a list taken in turn; default: every class in turn); labels on an
    unconditional run, or a class the run does not know, are a ``DivganError``."""
    return sample_from(load_trainer(path, which), n, labels, seed)[0]


def sample_from(trainer: Trainer, n: int, labels=None, seed: int = 0):
    """(samples, asked labels or None) of a restored core: z from ``seed``, labels as in ``sample``."""
    import torch

    from .models.conditioning import sample_latent

    y = trainer.asked_labels(n, [labels] if isinstance(labels, int) else labels)
    z = sample_latent(trainer.G, n, torch.Generator().manual_seed(seed))
    return trainer.sample(n, z=z, labels=y), y


def _stderr(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr)
