"""The GAN algorithm (Goodfellow et al. 2014, Algorithm 1) as one readable loop.

for each training step:
    for k steps:                                   # train.d_steps
        sample a minibatch of m real examples x ~ p_data and m noise vectors z ~ N(0, I)
        update D by descending  objective.d_loss(D(x), D(G(z)))   (+ trick penalties)
    sample a fresh minibatch of m noise vectors z
    update G by descending  objective.g_loss(D'(G(z)))            (D' = D, or D unrolled k steps)

Tricks plug in through the hooks of ``divgan.tricks.Trick``; the losses are the pure functions of
``divgan.objectives``; evaluation, figures, checkpoints and the NaN guard sit around the loop.
"""
from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from ..config import Config
from ..data import build_dataset
from ..errors import DivganError
from ..metrics import METRICS, metrics_for
from ..models import build_discriminator, build_generator, set_memory_format
from ..objectives import build_objective
from ..tricks import Tricks
from . import checkpoint, distributed
from .distributed import DistInfo
from .rundir import RunDir


class TrainingDiverged(DivganError):
    """Losses or weights became NaN/Inf and the run could not (or was told not to) roll back."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise DivganError(f"train.device: unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DivganError(f"train.device={name} but no CUDA device is available; use train.device=cpu")
    return dev


class Trainer:
    """Owns models, optimisers, data and the loop; ``fit()`` trains to ``train.steps``."""

    def __init__(self, cfg: Config, run: RunDir | None = None, log=None):
        self.cfg, self.run = cfg, run
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.dist = DistInfo.from_env()
        if not self.dist.is_main:
            self.log = lambda msg: None
        if cfg.train.reuse_fake and cfg.train.d_steps != 1:
            raise DivganError("train.reuse_fake=true needs train.d_steps=1 (only then may the generator step reuse the discriminator step's fakes)")
        self.device = distributed.setup(self.dist, resolve_device(cfg.train.device))
        torch.manual_seed(cfg.seed * 1009)  # the same initial weights on every rank
        self.gen = torch.Generator().manual_seed(cfg.seed * 1000003 + self.dist.rank)  # data and noise
        self.data = build_dataset(cfg.data, rank=self.dist.rank, world_size=self.dist.world_size, seed=cfg.seed)
        if self.device.type == "cpu" and (cfg.train.threads or self.data.kind == "toy"):
            torch.set_num_threads(cfg.train.threads or 1)
        self.G = build_generator(cfg.generator, self.data.shape).to(self.device)
        self.D = build_discriminator(cfg.discriminator, self.data.shape).to(self.device)
        self.objective = build_objective(cfg.objective)
        self.tricks = Tricks(cfg.tricks, self)
        self.tricks.setup(self)
        self.D.to(self.device)
        self.channels_last = use_channels_last(cfg.train.channels_last, self.G, self.D)
        set_memory_format(self.G, self.channels_last)
        set_memory_format(self.D, self.channels_last)
        if self.dist.enabled:
            torch.manual_seed(cfg.seed * 1009 + 1 + self.dist.rank)  # per-rank dropout and trick noise
        self.G_train, self.D_train = self._training_modules()
        self._fake: torch.Tensor | None = None  # the D step's fakes, kept for the G step (train.reuse_fake)
        self.opt_g = self._optimizer(self.G, cfg.optim.lr_g)
        self.opt_d = self._optimizer(self.D, cfg.optim.lr_d)
        self.bf16 = cfg.train.precision == "bf16" or (cfg.train.precision == "auto" and self.data.kind == "image")
        self.metric_names = metrics_for(cfg.eval.metrics, self.data.kind)
        self.fixed_z = torch.randn(cfg.eval.grid_size, self.G.latent_dim, generator=torch.Generator().manual_seed(cfg.seed + 7))
        self.step = 0
        self.losses: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "value": []}
        self.metrics_log: list[dict] = []
        self.snapshots: list[dict] = []
        self.best: dict | None = None
        self.evals_since_best = 0
        self.lr_scale = 1.0
        self.rollbacks = 0
        self.stop_signal: int | None = None  # a signal this process received
        self.stopping = False  # a signal reached some rank: every rank stops after this step
        self.elapsed = 0.0
        self.callbacks: list = []  # live page (issue 22): objects with on_step(trainer), on_evaluate(trainer, row)

    # ------------------------------------------------------------------ building blocks
    def _training_modules(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        """G and D as the training step calls them: in DDP under torchrun, compiled if asked.
        ``self.G`` / ``self.D`` stay the plain modules (state, sampling, tricks, the G step's D)."""
        mods = [distributed.wrap(m, self.device) for m in (self.G, self.D)]
        if self.cfg.train.compile:
            mods = [torch.compile(m) for m in mods]
        return mods[0], mods[1]

    def _optimizer(self, model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
        o = self.cfg.optim
        if o.name == "sgd":
            return torch.optim.SGD(model.parameters(), lr=lr, momentum=o.momentum)
        # the fused kernel: one pass over each tensor (3× faster than the default on CPU for DCGAN-28's G)
        return torch.optim.Adam(model.parameters(), lr=lr, betas=tuple(o.betas), fused=self.device.type in ("cpu", "cuda"))

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)

    def noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.G.latent_dim, generator=self.gen).to(self.device, non_blocking=True)

    def real_batch(self, n: int | None = None) -> torch.Tensor:
        x = self.data.sample(n or self.cfg.train.batch_size, self.gen).to(self.device, non_blocking=True)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.dim() == 4 else x

    def generate(self, n: int, real: torch.Tensor | None = None) -> torch.Tensor:
        """G_train on n fresh noise vectors; a conditional generator (``G.conditional``, e.g. LAPGAN's
        levels, which are trained on the real coarser images) also gets a real batch."""
        if getattr(self.G, "conditional", False):
            return self.G_train(self.noise(n), self.real_batch(n) if real is None else real)
        return self.G_train(self.noise(n))

    def discriminate(self, D, x: torch.Tensor, with_features: bool = False):
        """D on a (trick-transformed) input: logits in float32, features (if asked) as computed."""
        with self.autocast():
            out = D(self.tricks.d_input(x, self.step), with_features=with_features)
        if with_features:
            return out[0].float(), out[1]
        return out.float()

    # ------------------------------------------------------------------ the algorithm
    def d_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        real = self.real_batch()
        if self.cfg.train.reuse_fake:  # one generator forward serves both steps
            with self.autocast():
                self._fake = self.generate(real.shape[0], real)
            fake = self._fake.detach()
        else:
            with torch.no_grad(), self.autocast():
                fake = self.generate(real.shape[0], real)
        d_real, d_fake = self.discriminate(self.D_train, real), self.discriminate(self.D_train, fake)
        adv = self.objective.d_loss(d_real, d_fake, self.tricks.real_target)
        loss = self.tricks.d_loss(self, adv, real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.tricks.after_d_step(self)
        return loss.detach(), self.objective.value(d_real, d_fake).detach()

    def g_step(self) -> torch.Tensor:
        fake, self._fake = self._fake, None
        if fake is None:
            with self.autocast():
                fake = self.generate(self.cfg.train.batch_size)
        critic = self.tricks.critic(self)  # a plain module: DDP must not wait for D's gradients here
        self.D.requires_grad_(False)  # no gradients for D's weights in the generator update
        try:
            out, feats = self.discriminate(critic, fake, with_features=True)
            real = self.discriminate(critic, self.real_batch(fake.shape[0])) if self.objective.needs_real_in_g else None
            loss = self.tricks.g_loss(self, self.objective.g_loss(out, real), fake, feats)
        finally:
            self.D.requires_grad_(True)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss.detach()

    def train_step(self) -> None:
        self.G.train()
        self.D.train()
        for _ in range(self.cfg.train.d_steps):
            d_loss, value = self.d_step()
        g_loss = self.g_step()
        self.tricks.after_step(self)
        self.step += 1
        flags = d_loss.new_tensor(float(self.stop_signal is not None))
        d, g, v, stop = distributed.all_reduce_mean(torch.stack([d_loss, g_loss, value, flags]).float()).tolist()
        self.stopping = stop > 0  # agreed by every rank
        if not all(map(_finite, (d, g, v))):
            self.on_nan(f"losses became non-finite at step {self.step} (d_loss={d}, g_loss={g})")
            return
        self.losses["d_loss"].append(d)
        self.losses["g_loss"].append(g)
        self.losses["value"].append(v)

    # ------------------------------------------------------------------ sampling and evaluation
    @torch.no_grad()
    def sample(self, n: int, z: torch.Tensor | None = None, seed: int | None = None, batch: int = 1000) -> torch.Tensor:
        """n generator samples (eval mode), on the CPU; uses its own RNG, never the training one. Samples
        come from ``tricks.sampler`` (the generator, or its EMA average when that trick is on)."""
        G = self.tricks.sampler(self)
        was = G.training
        G.eval()
        if z is None:
            g = torch.Generator().manual_seed(self.cfg.seed * 7919 + self.step if seed is None else seed)
            z = torch.randn(n, G.latent_dim, generator=g)
        out = []
        for chunk in z.split(batch):
            with self.autocast():
                out.append(G(chunk.to(self.device)).float().cpu())
        G.train(was)
        return torch.cat(out)

    @torch.no_grad()
    def D_eval(self, x: torch.Tensor, batch: int = 4096) -> torch.Tensor:
        """Discriminator logits on x (eval mode, no trick transforms), on the CPU."""
        was = self.D.training
        self.D.eval()
        out = [self.D(c.to(self.device)).float().cpu() for c in x.split(batch)]
        self.D.train(was)
        return torch.cat(out)

    def recent(self, key: str, n: int = 100) -> float | None:
        ys = self.losses[key][-n:]
        return sum(ys) / len(ys) if ys else None

    def evaluate(self) -> dict:
        distributed.sync_buffers(self.G, self.D)  # every rank evaluates the same model
        samples = self.sample(self.cfg.eval.n_samples)
        row = {"step": self.step, "d_loss": self.recent("d_loss"), "g_loss": self.recent("g_loss"), "value": self.recent("value")}
        for name in self.metric_names:
            row.update(METRICS[name](self, samples))
        self.metrics_log.append(row)
        if self.run and self.dist.is_main:
            self.run.append_metrics(row)
            from ..viz import figures

            figures.on_evaluate(self, samples)
        self._track_best(row)
        return row

    def _track_best(self, row: dict) -> None:
        key = self.cfg.eval.best_metric
        if key and key not in row and not self.metrics_log[:-1]:  # a typo would otherwise never write best.pt
            numeric = sorted(k for k, v in row.items() if isinstance(v, (int, float)) and k != "step")
            raise DivganError(f"eval.best_metric: this run has no metric {key!r}; it has: {', '.join(numeric)}")
        if not key or not isinstance(row.get(key), (int, float)):
            return
        better = self.best is None or (row[key] > self.best["value"] if self.cfg.eval.best_mode == "max" else row[key] < self.best["value"])
        if better:
            self.best = {"metric": key, "value": row[key], "step": self.step}
            self.evals_since_best = 0
            self.save_checkpoint(best=True)
        else:
            self.evals_since_best += 1

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        return {
            "step": self.step,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "tricks": self.tricks.state_dict(),
            "ranks": distributed.all_gather_object({"data": self.data.state_dict(), "rng": checkpoint.rng_state(self.gen)}),
            "losses": self.losses,
            "metrics_log": json.dumps(self.metrics_log),
            "snapshots": self.snapshots,
            "best": json.dumps(self.best),
            "evals_since_best": self.evals_since_best,
            "lr_scale": self.lr_scale,
            "rollbacks": self.rollbacks,
            "elapsed": self.elapsed,
        }

    def load_state_dict(self, s: dict) -> None:
        self.step = int(s["step"])
        self.G.load_state_dict(s["G"])
        self.D.load_state_dict(s["D"])
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.tricks.load_state_dict(s["tricks"])
        mine = s["ranks"][min(self.dist.rank, len(s["ranks"]) - 1)]  # each rank its own data order and RNGs
        self.data.load_state_dict(mine["data"])
        checkpoint.set_rng_state(self.gen, mine["rng"])
        self.losses = {k: list(v) for k, v in s["losses"].items()}
        self.metrics_log = json.loads(s["metrics_log"])
        self.snapshots = list(s["snapshots"])
        self.best = json.loads(s["best"])
        self.evals_since_best = int(s["evals_since_best"])
        self.rollbacks = int(s["rollbacks"])
        self.elapsed = float(s["elapsed"])
        self.set_lr_scale(float(s["lr_scale"]))

    def restore(self, state: dict, path: Path) -> None:
        """``load_state_dict`` with one clear error when the checkpoint does not fit the models (another
        config, or a model from an older divgan)."""
        try:
            self.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise DivganError(f"checkpoint {path} does not match this run's config ({str(e).splitlines()[0][:160]})") from None

    def set_lr_scale(self, scale: float) -> None:
        self.lr_scale = scale
        for opt, lr in ((self.opt_g, self.cfg.optim.lr_g), (self.opt_d, self.cfg.optim.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def weights_finite(self) -> bool:
        return all(torch.isfinite(p).all() for m in (self.G, self.D) for p in m.parameters())

    def save_checkpoint(self, best: bool = False) -> Path | None:
        """``checkpoints/step_N.pt`` (or ``best.pt``); every rank calls it, rank 0 writes. Non-finite
        weights are never written: the divergence guard runs instead."""
        if not self.run:
            return None
        if not self.weights_finite():
            self.on_nan(f"weights became non-finite at step {self.step}")
            return None
        distributed.sync_buffers(self.G, self.D)
        state = self.state_dict()
        if not self.dist.is_main:
            return None
        if best:
            checkpoint.atomic_save({**state, "format": checkpoint.FORMAT}, self.run.checkpoints / "best.pt")
            return self.run.checkpoints / "best.pt"
        return checkpoint.save_step(state, self.run.checkpoints, self.step, self.cfg.train.keep_last)

    def resume(self) -> Path:
        """Load the newest usable checkpoint; drop what came after it (metrics rows, damaged files)."""
        state, path = checkpoint.load_latest(self.run.checkpoints, warn=self.log)
        ranks = len(state.get("ranks", ()))
        if ranks != self.dist.world_size:
            raise DivganError(f"checkpoint {path} was written by {ranks} process(es); resume with the same number "
                              f"(torchrun --nproc_per_node={ranks} -m divgan train --resume ...)")
        self.restore(state, path)
        distributed.barrier()  # every rank has read its checkpoint before rank 0 tidies the folder
        if self.dist.is_main:
            for moved in checkpoint.set_aside_newer(self.run.checkpoints, path):
                self.log(f"warning: {moved.name} could not be loaded; kept as {moved.name}.damaged")
            rows = [r for r in self.run.read_metrics() if r.get("step", 0) <= self.step]
            self.run.rewrite_metrics(rows)
        return path

    def on_nan(self, why: str) -> None:
        """The divergence guard: roll back to the last good checkpoint (lowering the learning rate)
        or stop, as ``train.on_nan`` says; a NaN state is never written."""
        t = self.cfg.train
        ckpts = checkpoint.step_checkpoints(self.run.checkpoints) if self.run else []
        if t.on_nan == "stop" or not ckpts or self.rollbacks >= t.max_rollbacks:
            raise TrainingDiverged(f"{why}; stopped (rollbacks used: {self.rollbacks}/{t.max_rollbacks}). Try lower optim.lr_g / optim.lr_d")
        rollbacks, scale = self.rollbacks + 1, self.lr_scale * t.nan_lr_factor
        path = self.resume()
        self.rollbacks = rollbacks
        self.set_lr_scale(scale)
        self.log(f"warning: {why}; rolled back to {path.name}, learning rates ×{scale:g}")

    # ------------------------------------------------------------------ the loop
    def fit(self) -> dict:
        t, e = self.cfg.train, self.cfg.eval
        handlers = _catch_signals(self)
        try:
            if self.run and self.step == 0:
                self.save_checkpoint()  # step 0: a NaN rollback or a kill -9 always has somewhere to go
        except BaseException:
            _restore_signals(handlers)
            raise
        start = time.time() - self.elapsed
        bar = tqdm(total=t.steps, initial=self.step, disable=not (t.progress and self.dist.is_main), dynamic_ncols=True,
                   desc="train", unit="step", file=sys.stderr, mininterval=0.5)
        write = bar.write if self.dist.is_main else (lambda text: None)
        stopped_early = False
        try:
            while self.step < t.steps and not self.stopping:
                before = self.step
                self.train_step()
                bar.update(self.step - bar.n)
                if self.step <= before:  # the divergence guard rolled back: nothing new to evaluate or save
                    continue
                if self.step % 50 == 0:
                    bar.set_postfix(d=f"{self.recent('d_loss', 50):.3f}", g=f"{self.recent('g_loss', 50):.3f}", refresh=False)
                self.elapsed = time.time() - start
                if self.step % e.every == 0 or self.step == t.steps:
                    row = self.evaluate()
                    write(_row_text(row))
                    for cb in self.callbacks:  # live page (issue 22)
                        cb.on_evaluate(self, row)
                    if e.early_stop_patience and self.evals_since_best >= e.early_stop_patience:
                        write(f"early stop: {e.best_metric} has not improved for {e.early_stop_patience} evaluations")
                        stopped_early = True
                        break
                if self.step % t.checkpoint_every == 0 or self.step == t.steps:
                    self.save_checkpoint()
                for cb in self.callbacks:  # live page (issue 22): may pause here, or set stop_signal
                    cb.on_step(self)
        finally:
            bar.close()
            _restore_signals(handlers)
        if self.stopping:
            self.save_checkpoint()
            return {"interrupted": True, "signal": self.stop_signal or int(signal.SIGTERM), "step": self.step}
        if stopped_early:
            self.save_checkpoint()
        return self.finish(stopped_early)

    def finish(self, stopped_early: bool = False) -> dict:
        summary = {"steps": self.step, "seconds": round(self.elapsed, 2), "stopped_early": stopped_early,
                   "final": self.metrics_log[-1] if self.metrics_log else {}, "best": self.best}
        if self.run and self.dist.is_main:
            from ..viz import figures

            summary["figures"] = figures.on_finish(self)
            self.run.write_summary(summary)
        return summary


def use_channels_last(setting: str, *models: torch.nn.Module) -> bool:
    """``train.channels_last``; auto = on for convolutional models (the faster layout on GPUs, and on
    this CPU: bf16 channels-last ×1.74 vs fp32 NCHW, ×1.31 vs bf16 NCHW per DCGAN-28 step; docs/images.md)."""
    if setting != "auto":
        return setting == "on"
    conv = (torch.nn.Conv2d, torch.nn.ConvTranspose2d)
    return any(isinstance(m, conv) for model in models for m in model.modules())


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def _row_text(row: dict) -> str:
    parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if v is not None]
    return "  ".join(parts)


def _catch_signals(trainer: Trainer):
    """SIGINT/SIGTERM: finish the current step, checkpoint, return. A second signal aborts a single
    process; under torchrun it is ignored (Ctrl-C reaches each worker twice, from the terminal and
    from the launcher, which kills workers itself if they do not exit in time)."""

    def handler(signum, _frame):
        if trainer.stop_signal is not None:
            if trainer.dist.enabled:
                return
            raise KeyboardInterrupt
        trainer.stop_signal = signum

    old = {}
    with contextlib.suppress(ValueError):  # not in the main thread
        for s in (signal.SIGINT, signal.SIGTERM):
            old[s] = signal.signal(s, handler)
    return old


def _restore_signals(old) -> None:
    for s, h in old.items():
        signal.signal(s, h)
