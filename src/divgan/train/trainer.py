"""The GAN algorithm (Goodfellow et al. 2014, Algorithm 1) as one readable loop: the training core.

for each training step:
    for k steps:                                   # train.d_steps
        sample a minibatch of m real examples x ~ p_data and m noise vectors z ~ N(0, I)
        update D by descending  objective.d_loss(D(x), D(G(z)))   (+ trick penalties)
    sample a fresh minibatch of m noise vectors z
    update G by descending  objective.g_loss(D'(G(z)))            (D' = D, or D unrolled k steps)

Tricks plug in through the hooks of ``divgan.tricks.Trick``; the losses are the pure functions of
``divgan.objectives``. This module is the *core*: models, optimisers, objective, tricks, the D and G
steps, sampling and ``state_dict``. It writes no file, draws no figure and computes no metric: the run
driver (``divgan.run``) schedules evaluation, checkpoints, figures, best tracking, early stopping,
the NaN guard, signals and progress around it, and talks to the outside through callbacks.
"""
from __future__ import annotations

import sys

import torch

from ..config import Config
from ..data import build_dataset
from ..errors import DivganError
from ..models import build_discriminator, build_generator, set_memory_format
from ..objectives import build_objective
from ..threads import for_run as thread_policy
from ..tricks import Tricks
from . import checkpoint, distributed
from .schedule import lr_factor
from .distributed import DistInfo


class TrainingDiverged(DivganError):
    """Losses or weights became NaN/Inf and the run could not (or was told not to) roll back."""


class NonFiniteError(TrainingDiverged):
    """A training step's losses were NaN/Inf (the step counter has advanced; the driver may roll back)."""


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
    """The training core: models, optimisers, objective, tricks and the steps of Algorithm 1.

    ``train_step()`` runs one step (raising ``NonFiniteError`` if the losses are NaN/Inf);
    ``sample()`` draws from the generator; ``state_dict()`` is the whole training state. ``data`` may
    be given instead of built from ``cfg.data`` (e.g. a stand-in when loading a checkpoint alone).
    Tricks receive this object as ``trainer``."""

    def __init__(self, cfg: Config, log=None, data=None):
        self.cfg = cfg
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.dist = DistInfo.from_env()
        if not self.dist.is_main:
            self.log = lambda msg: None
        if cfg.train.reuse_fake and cfg.train.d_steps != 1:
            raise DivganError("train.reuse_fake=true needs train.d_steps=1 (only then may the generator step reuse the discriminator step's fakes)")
        self.device = distributed.setup(self.dist, resolve_device(cfg.train.device))
        torch.manual_seed(cfg.seed * 1009)  # the same initial weights on every rank
        self.gen = torch.Generator().manual_seed(cfg.seed * 1000003 + self.dist.rank)  # data and noise
        self.data = data if data is not None else build_dataset(cfg.data, rank=self.dist.rank, world_size=self.dist.world_size, seed=cfg.seed)
        self.threads = thread_policy(cfg.train.threads, self.data.kind, self.device)  # auto: tuned while training
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
        self.fixed_z = torch.randn(cfg.eval.grid_size, self.G.latent_dim, generator=torch.Generator().manual_seed(cfg.seed + 7))
        self.step = 0
        self.losses: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "value": []}
        self.lr_scale = 1.0
        self.stop_signal: int | None = None  # set (e.g. by the driver's signal handler) to stop every rank
        self.stop_requested = False  # set (e.g. by a callback, through the driver) to stop every rank
        self.stopping = False  # a signal reached some rank: every rank stops after this step
        self.stop_agreed = False  # a stop request reached some rank: every rank stops after this step

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
        if self.cfg.optim.schedule != "constant" or self.cfg.optim.warmup:
            self.set_lr_scale(self.lr_scale)  # this step's point on the schedule (optim.schedule)
        self.G.train()
        self.D.train()
        for _ in range(self.cfg.train.d_steps):
            d_loss, value = self.d_step()
        g_loss = self.g_step()
        self.tricks.after_step(self)
        self.step += 1
        self.threads.tick()
        flags = d_loss.new_tensor([float(self.stop_signal is not None), float(self.stop_requested)])
        d, g, v, stop, asked = distributed.all_reduce_mean(torch.cat([torch.stack([d_loss, g_loss, value]), flags]).float()).tolist()
        self.stopping, self.stop_agreed = stop > 0, asked > 0  # agreed by every rank
        if not all(map(_finite, (d, g, v))):
            raise NonFiniteError(f"losses became non-finite at step {self.step} (d_loss={d}, g_loss={g})")
        self.losses["d_loss"].append(d)
        self.losses["g_loss"].append(g)
        self.losses["value"].append(v)

    # ------------------------------------------------------------------ sampling
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

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """The training state: step, weights, optimisers, tricks, each rank's data order and RNGs, losses."""
        return {
            "step": self.step,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "tricks": self.tricks.state_dict(),
            "ranks": distributed.all_gather_object({"data": self.data.state_dict(), "rng": checkpoint.rng_state(self.gen)}),
            "losses": self.losses,
            "lr_scale": self.lr_scale,
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
        self.set_lr_scale(float(s["lr_scale"]))

    def restore(self, state: dict, path) -> None:
        """``load_state_dict`` with one clear error when the checkpoint does not fit the models (another
        config, or a model from an older divgan)."""
        try:
            self.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise DivganError(f"checkpoint {path} does not match this run's config ({str(e).splitlines()[0][:160]})") from None

    def set_lr_scale(self, scale: float) -> None:
        """The NaN guard's scale times the schedule's factor at ``self.step``, on both optimisers."""
        self.lr_scale = scale
        o = self.cfg.optim
        factor = lr_factor(o.schedule, self.step, self.cfg.train.steps, o.warmup, o.final_ratio)
        for opt, lr in ((self.opt_g, o.lr_g), (self.opt_d, o.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale * factor

    def weights_finite(self) -> bool:
        return all(torch.isfinite(p).all() for m in (self.G, self.D) for p in m.parameters())


Core = Trainer  # the name the run driver's documentation uses


def use_channels_last(setting: str, *models: torch.nn.Module) -> bool:
    """``train.channels_last``; auto = on for convolutional models (the faster layout on GPUs, and on
    this CPU: bf16 channels-last ×1.74 vs fp32 NCHW, ×1.31 vs bf16 NCHW per DCGAN-28 step; docs/images.md)."""
    if setting != "auto":
        return setting == "on"
    conv = (torch.nn.Conv2d, torch.nn.ConvTranspose2d)
    return any(isinstance(m, conv) for model in models for m in model.modules())


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")
