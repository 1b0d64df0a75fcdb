"""What the f-GAN critic does on the ring, with and without the R1 penalty (docs/tricks.md, "Every
f-divergence on the ring").

Trains ``ring-vanilla`` with ``objective.name=fgan`` and each given divergence, once per R1 weight γ of
``--gammas`` (0: no penalty), and every ``--every`` steps measures the raw critic output V (before
g_f) on a fixed set of real points and on generator samples: the mean of V on each, max |V|, the mean
input-gradient norm E‖∇ₓV‖ on real and on generated points, and the bound E_P[g_f(V)] − E_Q[f*(g_f(V))].
The measurement uses its own random numbers (fixed real points, ``trainer.sample``'s own RNG), so the
runs are the same runs ``divgan train`` makes:

    python bench/fgan_critic.py [--divergences kl,pearson] [--seed 0] [--every 500] [--gammas 0,0.1] [--steps N]
"""
from __future__ import annotations

import argparse
import sys

import torch

from divgan.run.callbacks import Callback


class CriticProbe(Callback):
    """Every ``every`` steps: statistics of the raw critic V on fixed real points and fresh G samples."""

    def __init__(self, every: int, n: int = 2000):
        self.every, self.n, self.rows = every, n, []

    def on_start(self, driver) -> None:
        core = driver.core
        self.real = core.data.sample(self.n, torch.Generator().manual_seed(12345))

    def on_step(self, driver) -> None:
        core = driver.core
        if core.step % self.every:
            return
        fake = core.sample(self.n, seed=54321 + core.step)
        D, was = core.D, core.D.training
        D.eval()
        stats = {"step": core.step}
        outs = {}
        for name, x in (("real", self.real), ("fake", fake)):
            x = x.clone().requires_grad_(True)
            v = D(x).float().reshape(-1)
            (g,) = torch.autograd.grad(v.sum(), x)
            outs[name] = v.detach()
            stats[f"V_{name}"] = v.mean().item()
            stats[f"grad_{name}"] = g.norm(dim=1).mean().item()
        D.train(was)
        stats["max_abs_V"] = max(outs["real"].abs().max().item(), outs["fake"].abs().max().item())
        stats["bound"] = core.objective.div.bound(outs["real"], outs["fake"]).item()
        self.rows.append(stats)


def main(argv: list[str] | None = None) -> int:
    from divgan.api import train

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--divergences", default="kl,pearson")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--every", type=int, default=500)
    p.add_argument("--gammas", default="0,0.1", help="R1 weights γ, comma-separated; 0 = no penalty")
    p.add_argument("--steps", type=int, default=None, help="generator steps (default: the ring-vanilla preset's)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    for div in a.divergences.split(","):
        for gamma in (float(g) for g in a.gammas.split(",")):
            label = f"R1 γ={gamma:g}" if gamma else "no penalty"
            extra = ["tricks.gradient_penalty.kind=r1", f"tricks.gradient_penalty.weight={gamma}"] if gamma else []
            probe = CriticProbe(a.every)
            sets = ["objective.name=fgan", f"objective.divergence={div}", f"seed={a.seed}", "train.threads=1", "train.progress=false"]
            sets += [f"train.steps={a.steps}"] if a.steps else []
            run = train("ring-vanilla", overrides=sets + extra, save=False, log=lambda *a, **k: None, callbacks=[probe])
            final = run.summary["final"]
            print(f"\n{div}, {label}: final {final['modes']}/8 modes, {final['high_quality']:.1f}% HQ")
            print("  step   mean V real  mean V fake  max |V|  E‖∇V‖ real  E‖∇V‖ fake    bound")
            for r in probe.rows:
                print(f"  {r['step']:5d}  {r['V_real']:11.3f}  {r['V_fake']:11.3f}  {r['max_abs_V']:7.2f}  "
                      f"{r['grad_real']:11.3g}  {r['grad_fake']:11.3g}  {r['bound']:7.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
