"""Unrolled GAN (Metz et al. 2016): the generator's update sees the discriminator k steps ahead.

With θ_0 = D's weights and θ_{i+1} = θ_i + η·u(∇_θ V(θ_i, φ)) (the discriminator's own optimiser
step u, SGD or Adam, on fresh minibatches), the generator minimises f_k(θ, φ) = g_loss(D_{θ_k(φ)}(G_φ(z))).
The gradient flows through the k updates (second order: ``torch.autograd.grad(create_graph=True)`` and
``torch.func.functional_call``), or treats θ_k as a constant (``first_order: true``: cheaper, only the
look-ahead). The look-ahead runs on copies: the real discriminator, its buffers and its optimiser
state are never changed by it (D is updated only by the ordinary D step).

The unrolled optimiser copies the discriminator's: same learning rate (and ``lr_scale``), and for
``optimizer: auto`` the same rule and current state (Adam moments and step count, SGD momentum buffer).
``sgd`` or ``adam`` force plain SGD or Adam (with fresh state when the real optimiser differs).
Only the adversarial D loss is unrolled; penalties other tricks add to the real D loss, and the
auxiliary terms of AC-GAN / InfoGAN, are not (a conditional D sees the labels in the look-ahead)."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch.func import functional_call

from ..params import Params
from . import TRICKS, Trick


class FunctionalCritic:
    """The discriminator's module evaluated with other weights: ``critic(x, with_features=...)``, and
    for a conditional run ``critic(x, y=..., with_aux=...)`` (the keywords are passed on as given)."""

    def __init__(self, D, params: dict, buffers: dict):
        self.D, self.params, self.buffers = D, params, buffers

    def __call__(self, x: torch.Tensor, with_features: bool = False, **kw):
        return functional_call(self.D, (self.params, self.buffers), (x,), {"with_features": with_features, **kw})


class UnrolledOptimizer:
    """A differentiable copy of the discriminator's optimiser step: ``step(params, grads) -> params``
    (out of place, so the new weights stay functions of the old ones and of the generator)."""

    def __init__(self, kind: str, trainer):
        opt, cfg = trainer.opt_d, trainer.cfg.optim
        self.kind = cfg.name if kind == "auto" else kind
        same = self.kind == cfg.name
        group = opt.param_groups[0]
        self.lr = group["lr"]
        states = [opt.state.get(p, {}) if same else {} for p in trainer.D.parameters()]
        if self.kind == "adam":
            self.b1, self.b2 = group["betas"] if same else cfg.betas
            self.eps = group.get("eps", 1e-8)
            self.t = max((int(s["step"]) for s in states if "step" in s), default=0)
            self.m = [s["exp_avg"].clone() if "exp_avg" in s else None for s in states]
            self.v = [s["exp_avg_sq"].clone() if "exp_avg_sq" in s else None for s in states]
        else:
            self.momentum = group.get("momentum", 0.0) if same else 0.0
            self.buf = [s.get("momentum_buffer") for s in states]

    def step(self, params: list[torch.Tensor], grads: list[torch.Tensor]) -> list[torch.Tensor]:
        if self.kind == "adam":
            return self._adam(params, grads)
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.momentum > 0:  # torch.optim.SGD: buf = μ·buf + g (the first buf is g)
                g = g if self.buf[i] is None else self.momentum * self.buf[i] + g
                self.buf[i] = g
            out.append(p - self.lr * g)
        return out

    def _adam(self, params, grads):
        """torch.optim.Adam's update, written out (Kingma & Ba 2015, Alg. 1)."""
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            m = (1 - self.b1) * g if self.m[i] is None else self.b1 * self.m[i] + (1 - self.b1) * g
            v = (1 - self.b2) * g * g if self.v[i] is None else self.b2 * self.v[i] + (1 - self.b2) * g * g
            self.m[i], self.v[i] = m, v
            denom = (v + 1e-30).sqrt() / c2**0.5 + self.eps  # +1e-30: finite second derivative at v = 0
            out.append(p - (self.lr / c1) * m / denom)
        return out


def lookahead(trainer, k: int, first_order: bool = False, optimizer: str = "auto") -> dict[str, torch.Tensor]:
    """θ_k: the discriminator's weights after k unrolled optimiser steps on fresh minibatches from the
    trainer's generator; functions of G's weights unless ``first_order``. D itself is not touched."""
    D = trainer.D
    names = [n for n, _ in D.named_parameters()]
    params = [p.detach().requires_grad_() for p in D.parameters()]
    buffers = {n: b.clone() for n, b in D.named_buffers()}  # BatchNorm statistics move on copies
    opt = UnrolledOptimizer(optimizer, trainer)
    for _ in range(k):
        critic = FunctionalCritic(D, dict(zip(names, params)), buffers)
        real, y_real = trainer.real_labelled()
        with torch.set_grad_enabled(not first_order), trainer.autocast():
            fake = trainer.fakes(real.shape[0], real)
        d_real, d_fake = trainer.discriminate(critic, real, y_real), trainer.discriminate(critic, fake.x, fake.y)
        loss = trainer.objective.d_loss(d_real, d_fake, trainer.tricks.real_target)
        grads = torch.autograd.grad(loss, params, create_graph=not first_order, allow_unused=True)
        grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
        params = opt.step(params, grads)
        if first_order:
            params = [p.detach().requires_grad_() for p in params]
    if first_order:
        params = [p.detach() for p in params]
    return dict(zip(names, params)) | buffers


@TRICKS.register("unrolled")
class Unrolled(Trick):
    class Params(Params):
        steps: int = Field(0, ge=0, description="k, look-ahead discriminator steps for the G update; 0 = off")
        first_order: bool = Field(False, description="treat the unrolled weights as constants (no second-order terms)")
        optimizer: Literal["auto", "sgd", "adam"] = Field("auto", description="unrolled update rule; auto = optim.name, with its state")

    @staticmethod
    def enabled(p) -> bool:
        return p.steps > 0

    def critic(self, trainer):
        state = lookahead(trainer, self.p.steps, self.p.first_order, self.p.optimizer)
        buffers = {n: state.pop(n) for n, _ in trainer.D.named_buffers()}
        return FunctionalCritic(trainer.D, state, buffers)
