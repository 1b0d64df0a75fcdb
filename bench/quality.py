"""Quality claims over seeds: the long training runs that used to sit in the test suite.

    OMP_NUM_THREADS=1 python bench/quality.py                    # every check, its full budget
    OMP_NUM_THREADS=1 python bench/quality.py --checks ring-long # one of them

Each check trains with the budget of the claim it backs, prints one line per run and a verdict, and
the script exits 1 when a claim no longer holds (so it can gate a release; ``make test`` does not run
it: the suite keeps only the mechanism of each, on tiny budgets):

- ``default``: ``divgan train`` with no argument (the ring preset, seed 0) covers all 8 modes with at
  least 98% high-quality samples (README, "What the default run shows"); about 50 s on an idle core.
- ``ring-long``: the ``ring-long`` preset covers all 8 modes on at least 3 of seeds 0–4 (its
  description in ``divgan presets``); up to 5 × 8,000 steps (several minutes).
- ``unrolled``: on the 25-Gaussian grid, 500 steps, seeds 0–4, the unrolled GAN covers at least 5
  more modes per seed on average than the plain one and more on at least 4 of the 5 seeds
  (docs/tricks.md, "Measured: unrolled vs vanilla"); about 10 × 500 steps, unrolled ones ~5× slower.

``--steps N`` replaces every budget (a smoke run: the verdicts are then meaningless, and say so).
"""
from __future__ import annotations

import argparse
import sys
import time


def quiet(*_):
    pass


def check_default(seeds: list[int], steps: int | None) -> tuple[bool, str]:
    import divgan

    over = ["train.progress=false"] + ([f"train.steps={steps}"] if steps else [])
    run = divgan.train(None, save=False, overrides=over, log=quiet)  # the claim is about the default seed
    assert steps or run.config.train.steps == divgan.load_config().train.steps
    modes, hq = run.summary["final"]["modes"], run.summary["final"]["high_quality"]
    print(f"  default seed {run.config.seed}: {modes}/8 modes, {hq:.1f}% high quality", flush=True)
    return modes == 8 and hq >= 98, f"default run covers {modes}/8 modes, {hq:.1f}% high quality (claim: 8, >= 98%)"


def check_ring_long(seeds: list[int], steps: int | None) -> tuple[bool, str]:
    import divgan

    full = 0
    for seed in seeds:
        over = [f"seed={seed}", "train.progress=false"] + ([f"train.steps={steps}", f"eval.every={steps}"] if steps else [])
        run = divgan.train("ring-long", save=False, overrides=over, log=quiet)
        modes = run.summary["final"]["modes"]
        full += modes == 8
        print(f"  ring-long seed {seed}: {modes}/8 modes", flush=True)
    return full >= 3, f"ring-long covers all 8 modes on {full} of {len(seeds)} seeds (claim: >= 3 of 5)"


def check_unrolled(seeds: list[int], steps: int | None) -> tuple[bool, str]:
    from divgan.zoo import run_one

    budget = steps or 500
    vanilla = [run_one("grid", "vanilla", s, budget)["modes"] for s in seeds]
    unrolled = [run_one("grid", "unrolled", s, budget)["modes"] for s in seeds]
    print(f"  grid, {budget} steps, modes per seed {seeds}: vanilla {vanilla}, unrolled {unrolled}", flush=True)
    ok = sum(unrolled) >= sum(vanilla) + 5 * len(seeds) and sum(u > v for u, v in zip(unrolled, vanilla)) >= len(seeds) - 1
    return ok, (f"unrolled {sum(unrolled)} vs vanilla {sum(vanilla)} modes in total, more on "
                f"{sum(u > v for u, v in zip(unrolled, vanilla))} of {len(seeds)} seeds (claim: +5 per seed, more on 4 of 5)")


CHECKS = {"default": check_default, "ring-long": check_ring_long, "unrolled": check_unrolled}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", default=",".join(CHECKS), help=f"comma-separated, of: {', '.join(CHECKS)}")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5, the claims' count)")
    ap.add_argument("--steps", type=int, default=None, help="replace every budget (smoke runs only)")
    args = ap.parse_args(argv)
    names = [c for c in args.checks.split(",") if c]
    unknown = [c for c in names if c not in CHECKS]
    if unknown:
        print(f"quality: unknown check {unknown[0]!r}; allowed: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        start = time.time()
        ok, line = CHECKS[name](list(range(args.seeds)), args.steps)
        smoke = " (smoke budget: not a verdict)" if args.steps else ""
        print(f"{name}: {'OK' if ok else 'FAILED'}: {line} [{time.time() - start:.0f} s]{smoke}", flush=True)
        if not ok:
            failed.append(name)
    return 1 if failed and not args.steps else 0


if __name__ == "__main__":
    sys.exit(main())
