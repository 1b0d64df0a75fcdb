"""Gradient penalties on the discriminator (critic), added to its loss:

- ``wgan_gp`` (Gulrajani et al. 2017): λ E_x̂[(‖∇C(x̂)‖₂ − 1)²], x̂ = εx + (1 − ε)G(z), ε ~ U[0, 1] per sample;
- ``r1`` (Mescheder et al. 2018): γ/2 E_p[‖∇C(x)‖²], zero-centred on real data;
- ``r2``: γ/2 E_q[‖∇C(x)‖²] on generated data. ``kind: [r1, r2]`` applies both (Huang et al. 2024).

``every: k`` is StyleGAN2's lazy regularisation: the penalty is added on every k-th discriminator
update only, with its weight multiplied by k, so the average pull is unchanged.

The input gradient comes from ``torch.autograd.grad(create_graph=True)``, so the penalty's own gradient
reaches D's weights in the same ``backward``. The penalty's forward pass runs in float32 outside bf16
autocast (a bf16 input gradient squared loses most of its bits) and through ``trainer.D_train``, so
under DDP the weight gradients of the penalty are all-reduced with the rest of D's loss (DDP's hooks
fire once per weight in the single ``backward``; ``autograd.grad`` w.r.t. the inputs fires none). The
inputs go through the tricks' ``d_input`` (e.g. DiffAugment) like every other D input. ε is drawn
from the trainer's generator, so a run with the penalty resumes bit-exactly."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, field_validator

from ..params import Params
from . import TRICKS, Trick

Kind = Literal["wgan_gp", "r1", "r2"]


def input_gradient(critic, x: torch.Tensor) -> torch.Tensor:
    """∇ₓ Σᵢ C(xᵢ), one row per sample (each C(xᵢ) depends on xᵢ only), keeping the graph for backward."""
    x = x.detach().requires_grad_(True)
    out = critic(x)
    (g,) = torch.autograd.grad(out.float().sum(), x, create_graph=True)
    return g.reshape(g.shape[0], -1)


def wgan_gp(critic, real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """E[(‖∇C(x̂)‖ − 1)²] on x̂ = εx + (1 − ε)x̃ (``eps``: one U[0,1] number per sample)."""
    e = eps.reshape(-1, *([1] * (real.dim() - 1))).to(real.dtype)
    g = input_gradient(critic, e * real.detach() + (1 - e) * fake.detach())
    return (g.norm(dim=1) - 1).pow(2).mean()


def zero_centred(critic, x: torch.Tensor) -> torch.Tensor:
    """E[‖∇C(x)‖²] (R1 on real data, R2 on generated data; the γ/2 is the caller's)."""
    return input_gradient(critic, x).pow(2).sum(dim=1).mean()


@TRICKS.register("gradient_penalty")
class GradientPenalty(Trick):
    class Params(Params):
        kind: list[Kind] = Field(default_factory=list, description="wgan_gp, r1, r2, or a list such as [r1, r2]; empty = off")
        weight: float = Field(10.0, gt=0.0, description="λ (wgan_gp) or γ (r1/r2, which add γ/2·E‖∇C‖²)")
        every: int = Field(1, ge=1, description="lazy regularisation: penalise every k-th D update with weight·k")

        @field_validator("kind", mode="before")
        @classmethod
        def _one(cls, v):
            return [v] if isinstance(v, str) else v

    @staticmethod
    def enabled(p) -> bool:
        return bool(p.kind)

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        self.gen = trainer.gen
        self.calls = 0  # D updates seen (the lazy interval counts these)
        self.last: dict[str, float] = {}

    def _critic_fp32(self, trainer, y=None):
        """C(x) in float32 through D_train; a conditional critic judges x under the labels ``y``."""
        kw = {"y": y} if getattr(trainer, "conditional", False) else {}

        def critic(x):
            with torch.autocast(trainer.device.type, enabled=False):
                return trainer.D_train(trainer.tricks.d_input(x, trainer.step), **kw).float()
        return critic

    def d_loss(self, trainer, loss, real, fake):
        self.calls += 1
        if (self.calls - 1) % self.p.every:
            return loss
        w = self.p.weight * self.p.every
        y_real, y_fake = getattr(trainer, "step_labels", (None, None))  # conditional runs: the D step's labels
        real, fake = real.float(), fake.float()
        for kind in self.p.kind:
            if kind == "wgan_gp":  # interpolates are judged under the real labels
                eps = torch.rand(real.shape[0], generator=self.gen).to(real.device)
                pen = w * wgan_gp(self._critic_fp32(trainer, y_real), real, fake, eps)
            else:
                x, y = (real, y_real) if kind == "r1" else (fake, y_fake)
                pen = 0.5 * w * zero_centred(self._critic_fp32(trainer, y), x)
            self.last[kind] = float(pen.detach())
            loss = loss + pen
        return loss

    def state_dict(self) -> dict:
        return {"calls": self.calls}

    def load_state_dict(self, state: dict) -> None:
        self.calls = int(state.get("calls", 0))
