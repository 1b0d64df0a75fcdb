"""Discriminator rejection sampling, with and without, on the same trained runs.

Scores the seed runs of a ``divgan benchmark ring|grid`` folder of a config with ``tricks.drs`` (e.g.
``ring-rpgan-drs``) the way the benchmark does (2,500 samples, z seeded by the run's seed, metric
``modes``), once per sampler: ``plain`` (no rejection: ``tricks.drs.sample=false``, the run's EMA
generator), and DRS with γ from each given quantile (``none``: γ = 0, exact rejection). Prints per seed
and then the mean ± standard error per sampler, the seeds with ≥ 95% and ≥ 98% high quality, and the
mean share of proposals accepted:

    python bench/drs_rescore.py /tmp/drs/bench-ring/ring-rpgan-drs --quantiles none 0.3 0.5
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch


def mean_se(xs: list[float]) -> str:
    m = sum(xs) / len(xs)
    se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else 0.0
    return f"{m:.3f} ± {se:.3f}" if m < 1 else f"{m:.1f} ± {se:.1f}"


def main() -> None:
    from divgan.api import load_trainer
    from divgan.metrics import METRICS, MetricContext

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a benchmark's config folder holding seed0, seed1, ...")
    ap.add_argument("--quantiles", nargs="*", default=["none"], help="γ quantiles to score (none: γ = 0)")
    ap.add_argument("--n", type=int, default=2500)
    ap.add_argument("--seeds", type=int, help="only seeds 0..N−1 (default: every seed folder)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    samplers = ["plain", *args.quantiles]
    table: dict[str, list[tuple[float, float, float, float]]] = {s: [] for s in samplers}
    for run in sorted(args.folder.glob("seed*"), key=lambda p: int(p.name[4:])):
        seed = int(run.name[4:])
        if args.seeds is not None and seed >= args.seeds:
            continue
        t = load_trainer(run)
        drs = t.tricks.active["drs"]
        ctx = MetricContext.of(t)
        z = torch.randn(args.n, t.G.latent_dim, generator=torch.Generator().manual_seed(seed))
        line = []
        for s in samplers:
            drs.p.sample = s != "plain"
            drs.p.quantile = None if s in ("plain", "none") else float(s)
            drs.calibration = None
            tried, samples = 0, []
            for c in z.split(1000):
                samples.append(t.sample(len(c), z=c))
                W = t.tricks.sampler(t)
                tried += len(c) / getattr(W, "accepted_fraction", 1.0)
            m = METRICS["modes"](ctx, torch.cat(samples))
            table[s].append((m["modes"], m["high_quality"], m["kl_uniform"], args.n / tried))
            line.append(f"{s}: {m['modes']} {m['high_quality']:.2f}% {m['kl_uniform']:.4f}")
        print(f"seed {seed}  " + "  |  ".join(line), flush=True)
    for s, rows in table.items():
        modes, hq, kl, acc = zip(*rows)
        print(f"{s:>6}: modes {mean_se(modes)}  high quality {mean_se(hq)}%  KL {mean_se(kl)}  "
              f"≥95%: {sum(h >= 95 for h in hq)}/{len(hq)}  ≥98%: {sum(h >= 98 for h in hq)}/{len(hq)}  "
              f"accepted {sum(acc) / len(acc):.2f}")


if __name__ == "__main__":
    main()
