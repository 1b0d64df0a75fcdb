"""Every f-divergence of the catalogue on the 8-Gaussian ring: modes covered over seeds.

For each divergence and seed it trains the ``ring-vanilla`` preset (the plain GAN) with the f-GAN objective

    divgan train ring-vanilla --set objective.name=fgan --set objective.divergence=NAME --set seed=S [--set ...]

(in this process, one after the other, one thread each), and prints per divergence the modes covered
at the last step on every seed and the mean ± standard error of modes, % high-quality samples and
KL(modes ‖ uniform) (the toy protocol of ``divgan.metrics.toy``: 2,500 samples). ``--set`` changes
every run, e.g. the R1 gradient penalty of docs/tricks.md:

    python bench/fgan_ring.py [--divergences kl,reverse_kl,...] [--seeds 5] [--steps N]
                              [--set tricks.gradient_penalty.kind=r1 --set tricks.gradient_penalty.weight=1]
                              [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import torch


def mean_se(xs: list[float]) -> tuple[float, float]:
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, 0.0
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def one(div: str, seed: int, steps: int | None, extra: list[str]) -> dict:
    from divgan.api import train

    sets = ["objective.name=fgan", f"objective.divergence={div}", f"seed={seed}", "train.threads=1", "train.progress=false"]
    if steps is not None:
        sets += [f"train.steps={steps}", f"eval.every={steps}"]
    t = time.time()
    run = train("ring-vanilla", overrides=sets + extra, save=False, log=lambda *a, **k: None)
    final = run.summary["final"]
    return {"divergence": div, "seed": seed, "modes": final["modes"], "high_quality": final["high_quality"],
            "kl_uniform": final["kl_uniform"], "rollbacks": run.driver.rollbacks, "seconds": round(time.time() - t, 1)}


def main(argv: list[str] | None = None) -> int:
    from divgan.divergences import DIVERGENCES
    from divgan.errors import DivganError

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--divergences", default=",".join(DIVERGENCES.names()))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--steps", type=int, default=None, help="generator steps (default: the ring-vanilla preset's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    try:
        for div in a.divergences.split(","):
            runs = [one(div, s, a.steps, a.set) for s in range(a.seeds)]
            rows += runs
            (m, ms), (h, hs), (k, ks) = (mean_se([r[key] for r in runs]) for key in ("modes", "high_quality", "kl_uniform"))
            print(f"{div:11s} modes {m:4.1f} ± {ms:3.1f}  HQ {h:5.1f} ± {hs:4.1f}%  KL {k:5.3f} ± {ks:5.3f}  per seed "
                  f"{' '.join(str(r['modes']) for r in runs)}  ({sum(r['seconds'] for r in runs):.0f} s)", flush=True)
    except DivganError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
