"""The GAN algorithm (Goodfellow et al. 2014, Algorithm 1) as one readable loop: the training core.

for each training step:
    for k steps:                                   # train.d_steps
        sample a minibatch of m real examples x ~ p_data and m noise vectors z ~ N(0, I)
        update D by descending  objective.d_loss(D(x), D(G(z)))   (+ trick penalties)
    sample a fresh minibatch of m noise vectors z
    update G by descending  objective.g_loss(D'(G(z)))            (D' = D, or D unrolled k steps)

A conditional run (docs/conditional.md) draws each real x with its label y and each z with a label
asked for, calls G(z, y) and D(x, y), and adds the auxiliary terms (AC-GAN's classifier, InfoGAN's
mutual-information bound) to both losses; an unconditional run draws exactly what it drew before.

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
from ..models.conditioning import sample_latent
from ..objectives import build_objective
from ..threads import for_run as thread_policy
from ..tricks import Tricks
from . import checkpoint, distributed
from .conditional import Fakes, aux_d_loss, aux_g_loss, build_models, check_pairing, default_labels
from .schedule import lr_factor, momentum_at, schedules_active
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


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux lists them (``flags`` on x86, ``Features`` on ARM); empty elsewhere."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 arithmetic is native here: a CUDA device that supports it, or a CPU with AVX512-BF16,
    AMX-BF16 or ARM's BF16 instructions. Elsewhere oneDNN emulates bf16 and autocast is slower than fp32
    (docs/distributed.md), so ``train.precision: auto`` stays in fp32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool({"avx512_bf16", "amx_bf16", "bf16"} & cpu_flags())


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
        self.G, self.D = (m.to(self.device) for m in build_models(cfg, self.data))
        self.num_classes = check_pairing(self.G, self.D)  # K for a label-conditional run, else None
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
        self._fake: Fakes | None = None  # the D step's fakes, kept for the G step (train.reuse_fake)
        self.opt_g = self._optimizer(self.G, cfg.optim.lr_g)
        self.opt_d = self._optimizer(self.D, cfg.optim.lr_d)
        self.bf16 = cfg.train.precision == "bf16" or (
            cfg.train.precision == "auto" and self.data.kind == "image" and native_bf16(self.device))
        self.fixed_z = sample_latent(self.G, cfg.eval.grid_size, torch.Generator().manual_seed(cfg.seed + 7))
        self.fixed_y = default_labels(cfg.eval.grid_size, self.num_classes)  # one row per class (None: unconditional)
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

    @property
    def conditional(self) -> bool:
        """Whether G and D take class labels (``num_classes`` set)."""
        return self.num_classes is not None

    def noise(self, n: int) -> torch.Tensor:
        """n latent vectors z (N(0, I), with InfoGAN's codes appended when the generator has codes)."""
        return sample_latent(self.G, n, self.gen).to(self.device, non_blocking=True)

    def labels(self, n: int) -> torch.Tensor | None:
        """The labels n fakes are asked for: uniform on 0..K-1; None (no draw) when unconditional."""
        if not self.conditional:
            return None
        return torch.randint(self.num_classes, (n,), generator=self.gen).to(self.device, non_blocking=True)

    def real_labelled(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """n real examples and their labels (None when unconditional: then no label is read)."""
        out = self.data.sample(n or self.cfg.train.batch_size, self.gen, **({"labels": True} if self.conditional else {}))
        x, y = out if self.conditional else (out, None)
        x = x.to(self.device, non_blocking=True)
        x = x.contiguous(memory_format=torch.channels_last) if self.channels_last and x.dim() == 4 else x
        return x, (None if y is None else y.to(self.device, non_blocking=True))

    def real_batch(self, n: int | None = None) -> torch.Tensor:
        """n real examples (their labels, if any, dropped; see ``real_labelled``)."""
        return self.real_labelled(n)[0]

    def fakes(self, n: int, real: torch.Tensor | None = None) -> Fakes:
        """n fakes from fresh noise z and asked labels y: ``Fakes(x, y, z)`` (y None when unconditional)."""
        z, y = self.noise(n), self.labels(n)
        return Fakes(self.generate(n, real, z=z, y=y), y, z)

    def generate(self, n: int, real: torch.Tensor | None = None, z: torch.Tensor | None = None,
                 y: torch.Tensor | None = None) -> torch.Tensor:
        """G_train on n noise vectors (z, or fresh ones) and, for a label-conditional G, labels y (or
        fresh ones). A generator conditioned on a real image (``G.conditional``: LAPGAN's levels, trained
        on the real coarser images) also gets a real batch."""
        z = self.noise(n) if z is None else z
        if getattr(self.G, "conditional", False):
            return self.G_train(z, self.real_batch(n) if real is None else real)
        if self.conditional:
            return self.G_train(z, self.labels(n) if y is None else y)
        return self.G_train(z)

    def discriminate(self, D, x: torch.Tensor, y: torch.Tensor | None = None, with_features: bool = False,
                     with_aux: bool = False):
        """D on a (trick-transformed) input x (with labels y when conditional): logits in float32, then
        the features if asked, then D's auxiliary heads (``Aux``) if asked."""
        kw = {"with_features": with_features}
        if self.conditional:
            kw["y"] = y
        if with_aux:
            kw["with_aux"] = True
        with self.autocast():
            out = D(self.tricks.d_input(x, self.step), **kw)
        if not (with_features or with_aux):
            return out.float()
        return (out[0].float(), *out[1:])

    def critique(self, x: torch.Tensor, y: torch.Tensor | None = None):
        """(logit, auxiliary heads) of the training D on (x, y); the heads are None when D has none."""
        if not self.has_aux:
            return self.discriminate(self.D_train, x, y), None
        return self.discriminate(self.D_train, x, y, with_aux=True)

    @property
    def has_aux(self) -> bool:
        """Whether D has auxiliary heads (AC-GAN classifier, InfoGAN's Q) whose terms join the losses."""
        return getattr(self.D, "has_aux", False)

    # ------------------------------------------------------------------ the algorithm
    def d_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        real, y_real = self.real_labelled()
        if self.cfg.train.reuse_fake:  # one generator forward serves both steps
            with self.autocast():
                self._fake = self.fakes(real.shape[0], real)
            fake = self._fake.detached()
        else:
            with torch.no_grad(), self.autocast():
                fake = self.fakes(real.shape[0], real)
        (d_real, aux_real), (d_fake, aux_fake) = self.critique(real, y_real), self.critique(fake.x, fake.y)
        adv = self.objective.d_loss(d_real, d_fake, self.tricks.real_target)
        if self.has_aux:  # AC-GAN: classify reals and fakes; InfoGAN: Q recovers the fakes' codes
            adv = adv + aux_d_loss(self, aux_real, y_real, aux_fake, fake)
        self.step_labels = (y_real, fake.y)  # for tricks that call D themselves (gradient penalties)
        loss = self.tricks.d_loss(self, adv, real, fake.x)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.tricks.after_d_step(self)
        return loss.detach(), self.objective.value(d_real, d_fake).detach()

    def g_step(self) -> torch.Tensor:
        fake, self._fake = self._fake, None
        if fake is None:
            with self.autocast():
                fake = self.fakes(self.cfg.train.batch_size)
        critic = self.tricks.critic(self)  # a plain module: DDP must not wait for D's gradients here
        self.D.requires_grad_(False)  # no gradients for D's weights in the generator update
        try:
            out, feats, *aux = self.discriminate(critic, fake.x, fake.y, with_features=True, with_aux=self.has_aux)
            real = self.discriminate(critic, *self.real_labelled(fake.x.shape[0])) if self.objective.needs_real_in_g else None
            adv = self.objective.g_loss(out, real)
            if aux:  # AC-GAN: fakes classified as asked; InfoGAN: codes recoverable from the fakes
                adv = adv + aux_g_loss(self, aux[0], fake)
            loss = self.tricks.g_loss(self, adv, fake.x, feats)
        finally:
            self.D.requires_grad_(True)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss.detach()

    def train_step(self) -> None:
        if schedules_active(self.cfg.optim):
            self.set_lr_scale(self.lr_scale)  # this step's point on the schedules (optim.schedule, momentum_final)
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
    def sample(self, n: int, z: torch.Tensor | None = None, seed: int | None = None, batch: int = 1000,
               labels: torch.Tensor | None = None) -> torch.Tensor:
        """n generator samples (eval mode), on the CPU; uses its own RNG, never the training one. Samples
        come from ``tricks.sampler`` (the generator, or its EMA average when that trick is on). A
        conditional run's sample i is asked for ``labels[i]`` (default: ``i % K``, every class in turn);
        labels on an unconditional run are an error."""
        G = self.tricks.sampler(self)
        was = G.training
        G.eval()
        if z is None:
            g = torch.Generator().manual_seed(self.cfg.seed * 7919 + self.step if seed is None else seed)
            z = sample_latent(G, n, g)
        y = self.asked_labels(len(z), labels)
        out = []
        for i, chunk in enumerate(z.split(batch)):
            args = (chunk.to(self.device),) if y is None else (chunk.to(self.device), y[i * batch:(i + 1) * batch].to(self.device))
            with self.autocast():
                out.append(G(*args).float().cpu())
        G.train(was)
        return torch.cat(out)

    def asked_labels(self, n: int, labels=None) -> torch.Tensor | None:
        """The labels n samples are asked for: ``labels`` checked (an int or a list is repeated to n),
        or every class in turn; None for an unconditional run (where labels are an error)."""
        from .conditional import labels_for

        return labels_for(n, self.num_classes, labels)

    @torch.no_grad()
    def D_eval(self, x: torch.Tensor, batch: int = 4096, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Discriminator logits on x (eval mode, no trick transforms), on the CPU. A conditional D is
        asked about ``labels`` (one per point), or, without them, gives its logit averaged over the
        classes (a picture of the whole critic, e.g. the toy density panels)."""
        if self.conditional and labels is None:
            return torch.stack([self.D_eval(x, batch, torch.full((len(x),), k)) for k in range(self.num_classes)]).mean(0)
        was = self.D.training
        self.D.eval()
        out = []
        for i, c in enumerate(x.split(batch)):
            args = (c,) if labels is None else (c, labels[i * batch:(i + 1) * batch])
            out.append(self.D(*(a.to(self.device) for a in args)).float().cpu())
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
        """The NaN guard's scale times the schedule's factor at ``self.step``, on both optimisers
        (and SGD's momentum at ``self.step``)."""
        self.lr_scale = scale
        o = self.cfg.optim
        factor = lr_factor(o.schedule, self.step, self.cfg.train.steps, o.warmup, o.final_ratio, o.decay_factor,
                           o.decay_steps)
        for opt, lr in ((self.opt_g, o.lr_g), (self.opt_d, o.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * scale * factor
                if o.name == "sgd":
                    group["momentum"] = momentum_at(self.step, o.momentum, o.momentum_final, o.momentum_steps)

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
