"""Discriminator rejection sampling (DRS; Azadi et al. 2019): keep each generated sample with a
probability that grows with the density ratio p(x)/q(x), so the kept samples follow p more closely
than the generator's own q.

A logistic classifier D̃ separating real data from the generator's samples has, at its optimum, the
logit D̃(x) = log p(x)/q(x). Exact rejection sampling of p from proposals x ~ q accepts x with
probability p(x) / (M q(x)) = exp(D̃(x) − D̃_max), M = max p/q. Azadi et al. write this as σ(F(x)) with

    F(x) = D̃(x) − D̃_max − log(1 − exp(D̃(x) − D̃_max − ε)) − γ,

(γ = 0, ε → 0 gives exactly exp(D̃ − D̃_max)); ε keeps the log finite at the maximum and γ shifts every
sample's logit down (γ > 0: fewer, better samples; no longer exact). This trick:

- trains D̃ during the last ``steps`` steps of ``train.steps``: a copy of the run's discriminator
  (made when the window opens, as the paper fine-tunes D) with one Adam update per training step of
  the logistic (BCE) loss on a real batch (``trainer.real_labelled``) against fakes of the sampling
  generator (the EMA average when ``tricks.ema`` samples) from the trainer's noise;
- calibrates, on the first sample after an update, D̃_max = the largest logit of ``burn_in`` fixed
  proposals and γ = the ``quantile`` of F over them (F computed with γ = 0; ``quantile: null``: γ = 0);
- samples (through the ``sampler`` hook: evaluation, figures, benchmarks, ``divgan sample``) with
  ``RejectionSampler``: every row is kept with probability σ(F); a rejected row is replaced by a fresh
  proposal, up to ``max_rounds`` proposals per row (a row never accepted keeps its best proposal).
  The redraws come from a generator seeded by the bytes of z, so a fixed z gives fixed samples.

Unlike the paper, D̃_max is not raised by the samples drawn later (a sample above it is accepted with
probability σ(−log(1 − e^{−ε}) − γ) ≈ 1), so that sampling is a pure function of z. Label-conditional
runs work (D̃ judges (x, y), redraws keep the row's label); a generator that also takes a real image
(LAPGAN) and packed discriminators are refused. Cost: ``steps`` extra D-sized updates while training,
and about 1/(acceptance rate) generator + D̃ forwards per sample (docs/tricks.md)."""
from __future__ import annotations

import copy
import hashlib

import torch
import torch.nn.functional as F
from pydantic import Field

from ..errors import DivganError
from ..models.conditioning import sample_latent
from ..params import Params
from . import TRICKS, Trick


def acceptance_logit(logit: torch.Tensor, max_logit: float, gamma: float = 0.0, eps: float = 1e-6) -> torch.Tensor:
    """F(x) = D̃ − D̃_max − log(1 − exp(D̃ − D̃_max − ε)) − γ, with D̃ − D̃_max clipped at 0 (a sample
    above the calibrated maximum counts as at it). σ(F) is the acceptance probability."""
    a = (logit.double() - max_logit).clamp(max=0.0)
    return (a - torch.log(-torch.expm1(a - eps)) - gamma).to(logit.dtype)


def z_seed(*tensors) -> int:
    """A 63-bit seed from the bytes of the given tensors (None skipped): fixed inputs, fixed redraws."""
    h = hashlib.blake2b(digest_size=8)
    for t in tensors:
        if t is not None:
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return int.from_bytes(h.digest(), "little") >> 1


class RejectionSampler(torch.nn.Module):
    """G(z[, y]) with discriminator rejection: each row is a proposal accepted with probability
    σ(F(x)); rejected rows are redrawn from fresh z (seeded by z itself) up to ``max_rounds`` proposals.
    Attributes it does not have (``latent_dim``, ``num_classes``, ``codes``) are the generator's.
    ``accepted_fraction`` is the share of proposals accepted in the last call."""

    def __init__(self, G, C, max_logit: float, gamma: float, eps: float, max_rounds: int, conditional: bool):
        super().__init__()
        self.G, self.C = G, C
        self.max_logit, self.gamma, self.eps, self.max_rounds = max_logit, gamma, eps, max_rounds
        self.cond = conditional
        self.accepted_fraction = float("nan")

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name.startswith("_"):  # private and dunder names (copy, pickle) are never the generator's
                raise
            return getattr(self._modules["G"], name)

    @property
    def proposal(self) -> torch.nn.Module:
        """The generator proposals come from (what ``divgan export`` writes: a file holds no D̃)."""
        return self.G

    def train(self, mode: bool = True):
        self.training = mode  # the inner G and D̃ keep their modes (they always judge in eval mode)
        return self

    def accept_prob(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        logit = (self.C(x, y) if self.cond else self.C(x)).float().reshape(-1)
        return torch.sigmoid(acceptance_logit(logit, self.max_logit, self.gamma, self.eps))

    @torch.no_grad()
    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        modes = (self.G.training, self.C.training)
        self.G.eval()
        self.C.eval()
        try:
            return self._reject(z, y)
        finally:
            self.G.train(modes[0])
            self.C.train(modes[1])

    def _propose(self, z, y):
        return self.G(z, y) if self.cond else self.G(z)

    def _reject(self, z, y):
        gen = torch.Generator().manual_seed(z_seed(z, y))
        out = self._propose(z, y)
        best = self.accept_prob(out, y)
        accepted = torch.rand(len(z), generator=gen).to(best.device) <= best
        tried = len(z)
        for _ in range(self.max_rounds - 1):
            rows = (~accepted).nonzero().reshape(-1)
            if len(rows) == 0:
                break
            zr = sample_latent(self.G, len(rows), gen).to(z.device)
            yr = None if y is None else y[rows]
            x = self._propose(zr, yr)
            p = self.accept_prob(x, yr)
            ok = torch.rand(len(rows), generator=gen).to(p.device) <= p
            tried += len(rows)
            keep = ok | (p > best[rows])  # accepted, or the best proposal so far of a row not yet accepted
            out[rows[keep]] = x[keep].to(out.dtype)
            best[rows[keep]] = p[keep]
            accepted[rows[ok]] = True
        self.accepted_fraction = float(len(z) / tried)
        return out


@TRICKS.register("drs")
class DRS(Trick):
    class Params(Params):
        steps: int = Field(0, ge=0, description="train the density-ratio classifier D̃ (a copy of D) during the "
                                                "last this many training steps, one update each; 0 = off")
        lr: float | None = Field(None, gt=0, description="D̃'s Adam learning rate (default: optim.lr_d)")
        batch_size: int | None = Field(None, ge=1, description="real and fake samples per D̃ update (default: train.batch_size)")
        burn_in: int = Field(10000, ge=1, description="proposals that calibrate D̃_max and γ")
        quantile: float | None = Field(None, ge=0.0, lt=1.0, description="γ = this quantile of F over the "
                                       "burn-in (higher: fewer, sharper samples); null: γ = 0 (exact rejection)")
        eps: float = Field(1e-6, gt=0.0, description="ε in F(x): keeps log(1 − e^(D̃−D̃_max−ε)) finite")
        max_rounds: int = Field(100, ge=1, description="proposals per sample at most; a row never accepted "
                                                       "keeps its most likely proposal")
        sample: bool = Field(True, description="sample and evaluate with rejection (false: the plain sampler)")

    @staticmethod
    def enabled(p) -> bool:
        return p.steps > 0

    def __init__(self, params, trainer):
        super().__init__(params, trainer)
        cfg = trainer.cfg
        if params.steps > cfg.train.steps:
            raise DivganError(f"tricks.drs.steps={params.steps} is more than train.steps={cfg.train.steps}; "
                              "use 1..train.steps (D̃ trains during the last drs.steps steps)")
        if getattr(trainer.G, "conditional", False):
            raise DivganError("tricks.drs: this generator also takes a real image (LAPGAN), which rejection "
                              "sampling cannot redraw; use it with unconditional or label-conditional runs")
        if cfg.tricks.packing.m > 1:
            raise DivganError("tricks.drs needs one discriminator logit per sample; it does not work with "
                              "tricks.packing (m > 1)")
        self.trainer = trainer
        self.start = cfg.train.steps - params.steps
        self.C: torch.nn.Module | None = None
        self.opt: torch.optim.Optimizer | None = None
        self.updates = 0
        self.calibration: dict | None = None  # {"updates", "max_logit", "gamma"}
        self._wrapper: RejectionSampler | None = None  # the last sampler (its accepted_fraction)

    # ------------------------------------------------------------------ the classifier
    def _proposal(self, trainer):
        """The generator DRS draws proposals from: what the other tricks sample with (EMA), else G."""
        for t in trainer.tricks:
            if t is not self:
                g = t.sampler(trainer)
                if g is not None:
                    return g
        return trainer.G

    def _build(self, trainer) -> None:
        self.C = copy.deepcopy(trainer.D).requires_grad_(True)
        o = trainer.cfg.optim
        self.opt = torch.optim.Adam(self.C.parameters(), lr=self.p.lr or o.lr_d, betas=tuple(o.betas))

    def _judge(self, trainer, x, y):
        with trainer.autocast():
            out = self.C(x, y) if trainer.conditional else self.C(x)
        return out.float().reshape(-1)

    def after_step(self, trainer) -> None:
        if trainer.step < self.start:
            return
        if self.C is None:
            self._build(trainer)
        n = self.p.batch_size or trainer.cfg.train.batch_size
        real, y_real = trainer.real_labelled(n)
        z, y_fake = trainer.noise(n), trainer.labels(n)
        G = self._proposal(trainer)
        was = G.training
        G.eval()
        with torch.no_grad(), trainer.autocast():
            fake = (G(z, y_fake) if trainer.conditional else G(z)).float()
        G.train(was)
        self.C.train()
        loss = F.softplus(-self._judge(trainer, real, y_real)).mean() + F.softplus(self._judge(trainer, fake, y_fake)).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized():  # one classifier on every rank: average its gradients
            for p in self.C.parameters():
                if p.grad is not None:
                    dist.all_reduce(p.grad)
                    p.grad /= dist.get_world_size()
        self.opt.step()
        self.updates += 1
        self.last_loss = float(loss.detach())

    # ------------------------------------------------------------------ sampling
    @torch.no_grad()
    def calibrate(self, trainer) -> dict:
        """D̃_max and γ from ``burn_in`` proposals of a fixed seed (once per classifier update)."""
        G = self._proposal(trainer)
        wrapper = RejectionSampler(G, self.C, 0.0, 0.0, self.p.eps, 1, trainer.conditional)
        g = torch.Generator().manual_seed(trainer.cfg.seed * 104729 + 17)
        logits = []
        mode = (G.training, self.C.training)
        G.eval()
        self.C.eval()
        for n in _chunks(self.p.burn_in, 1000):
            z = sample_latent(G, n, g).to(trainer.device)
            y = trainer.asked_labels(n) if trainer.conditional else None
            y = None if y is None else y.to(trainer.device)
            with trainer.autocast():
                x = wrapper._propose(z, y)
                logits.append((self.C(x, y) if trainer.conditional else self.C(x)).float().reshape(-1).cpu())
        G.train(mode[0])
        self.C.train(mode[1])
        logits = torch.cat(logits).double()
        max_logit = float(logits.max())
        gamma = 0.0
        if self.p.quantile is not None:
            gamma = float(torch.quantile(acceptance_logit(logits, max_logit, 0.0, self.p.eps), self.p.quantile))
        self.calibration = {"updates": self.updates, "max_logit": max_logit, "gamma": gamma}
        return self.calibration

    def sampler(self, trainer):
        # ``Tricks.sampler`` takes the first trick (registry order: module names sorted) that answers;
        # drs sorts before ema, so it wraps the EMA generator (tests/test_tricks_drs.py checks it)
        if not self.p.sample or self.C is None or self.updates == 0:
            return None
        cal = self.calibration
        if cal is None or cal["updates"] != self.updates:
            cal = self.calibrate(trainer)
        G, w = self._proposal(trainer), self._wrapper
        if w is None or w.G is not G or (w.max_logit, w.gamma) != (cal["max_logit"], cal["gamma"]):
            w = self._wrapper = RejectionSampler(G, self.C, cal["max_logit"], cal["gamma"], self.p.eps,
                                                 self.p.max_rounds, trainer.conditional)
        return w

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        if self.C is None:
            return {}
        return {"C": self.C.state_dict(), "opt": self.opt.state_dict(), "updates": self.updates,
                "calibration": self.calibration}

    def load_state_dict(self, state: dict) -> None:
        if not state:
            self.C, self.opt, self.updates, self.calibration = None, None, 0, None
            return
        self._build(self.trainer)
        self.C.load_state_dict(state["C"])
        self.opt.load_state_dict(state["opt"])
        self.updates = int(state["updates"])
        self.calibration = state.get("calibration")


def _chunks(n: int, size: int):
    while n > 0:
        yield min(n, size)
        n -= size

