"""Stabilisation techniques ("the zoo") as plug-ins of the one training loop.

Each trick is a ``Trick`` subclass registered under its config name with a ``Params`` model; it
appears under ``tricks.<name>`` in every resolved config and is active when ``enabled(params)`` is
true. The training loop calls these hooks (all optional):

- ``setup(trainer)``                     before the optimisers exist (may change the discriminator)
- ``d_input(x, step)``                   transform every discriminator input (real and fake)
- ``real_target``                        the target for real samples (one-sided label smoothing)
- ``d_loss(trainer, loss, real, fake)``  add to / replace the discriminator loss (``real``/``fake``:
                                         the step's D inputs before ``d_input``; gradient penalties)
- ``after_d_step(trainer)``              after each discriminator update (weight clipping)
- ``critic(trainer)``                    the discriminator the generator step differentiates through
                                         (``None`` = the current one; unrolled GANs look ahead)
- ``g_loss(trainer, loss, fake, feats)`` add to / replace the generator loss
- ``after_step(trainer)``                after both updates (running means, schedules, EMA)
- ``sampler(trainer)``                   the generator to sample and evaluate with (``None`` = G; EMA)
- ``state_dict()`` / ``load_state_dict()`` everything needed for an exact resume
"""
from __future__ import annotations

import torch

from ..plugins import import_all
from ..registry import Registry

TRICKS: Registry[type["Trick"]] = Registry("trick")


class Trick:
    Params: type

    def __init__(self, params, trainer):
        self.p = params

    @staticmethod
    def enabled(params) -> bool:
        raise NotImplementedError

    def setup(self, trainer) -> None:
        pass

    def d_input(self, x: torch.Tensor, step: int) -> torch.Tensor:
        return x

    real_target: float | None = None

    def d_loss(self, trainer, loss: torch.Tensor, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return loss

    def after_d_step(self, trainer) -> None:
        pass

    def sampler(self, trainer):
        return None

    def critic(self, trainer):
        return None

    def g_loss(self, trainer, loss: torch.Tensor, fake: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        return loss

    def after_step(self, trainer) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class Tricks:
    """The active tricks of a run, applied in registry order."""

    def __init__(self, cfg, trainer):
        self.active: dict[str, Trick] = {}
        for name, cls in TRICKS.items():
            params = getattr(cfg, name)
            if cls.enabled(params):
                self.active[name] = cls(params, trainer)

    def __iter__(self):
        return iter(self.active.values())

    def setup(self, trainer):
        for t in self:
            t.setup(trainer)

    def d_input(self, x, step):
        for t in self:
            x = t.d_input(x, step)
        return x

    @property
    def real_target(self) -> float:
        targets = [t.real_target for t in self if t.real_target is not None]
        return min(targets) if targets else 1.0

    def d_loss(self, trainer, loss, real, fake):
        for t in self:
            loss = t.d_loss(trainer, loss, real, fake)
        return loss

    def after_d_step(self, trainer):
        for t in self:
            t.after_d_step(trainer)

    def sampler(self, trainer):
        for t in self:
            g = t.sampler(trainer)
            if g is not None:
                return g
        return trainer.G

    def critic(self, trainer):
        for t in self:
            c = t.critic(trainer)
            if c is not None:
                return c
        return trainer.D

    def g_loss(self, trainer, loss, fake, feats):
        for t in self:
            loss = t.g_loss(trainer, loss, fake, feats)
        return loss

    def after_step(self, trainer):
        for t in self:
            t.after_step(trainer)

    def state_dict(self) -> dict:
        return {name: t.state_dict() for name, t in self.active.items()}

    def load_state_dict(self, state: dict) -> None:
        for name, t in self.active.items():
            t.load_state_dict(state.get(name, {}))


import_all(__name__, __path__)
