"""``divgan zoo``: vanilla vs each stabilisation trick on the ring or the grid, over several seeds.

Every technique is the plain toy preset (``ring-vanilla`` or ``grid-vanilla``) plus the overrides in ``TECHNIQUES``;
each run trains for the same budget (``--steps``) and is scored once at the end with the toy protocol
(``divgan.metrics.toy.mode_stats`` on 2,500 samples): modes covered, % high-quality samples and
KL(mode histogram ‖ uniform), reported as mean ± standard error over the seeds.
``--figure FILE`` draws Metz et al. (2016) Fig. 1 instead: samples over time for 0 and k unrolling steps."""
from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor

from ..zoo import BASES, COLUMNS, TECHNIQUES, mean_se, overrides, run_one, table  # noqa: F401  (their old home)
from . import command


@command("zoo")
class Zoo:
    help = "compare vanilla training with each stabilisation trick on the ring or the grid (table over seeds)"

    @staticmethod
    def configure(p):
        p.add_argument("--data", choices=sorted(BASES), default="grid", help="toy data set (default: grid)")
        p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per technique (default: 5)")
        p.add_argument("--steps", type=int, default=1000, help="generator steps per run, the same for all (default: 1000)")
        p.add_argument("--techniques", default=",".join(TECHNIQUES),
                       help=f"comma-separated subset of: {', '.join(TECHNIQUES)}")
        p.add_argument("--jobs", type=int, default=1, help="runs in parallel processes, one thread each (default: 1)")
        p.add_argument("--json", metavar="FILE", help="also write every run's scores to FILE")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="a config override applied to every run (and to the figure's preset); repeatable")
        p.add_argument("--figure", metavar="FILE.png",
                       help="instead: Metz et al. Fig. 1, samples over --steps for 0 and --unroll unrolling steps")
        p.add_argument("--unroll", type=int, default=10, help="--figure: unrolling steps of the second row (default: 10)")
        p.add_argument("--preset", default="ring-unrolled-metz", help="--figure: the preset to train (default: ring-unrolled-metz)")
        p.add_argument("--panels", type=int, default=6, help="--figure: snapshots per row (default: 6)")

    @staticmethod
    def run(args) -> int:
        from ..errors import DivganError

        if args.seeds < 1 or args.steps < 1 or args.jobs < 1:
            raise DivganError("--seeds, --steps and --jobs must be at least 1")
        if args.figure:
            from ..viz.zoo import unrolling_figure

            path = unrolling_figure(args.preset, args.figure, args.steps, (0, args.unroll), args.panels, overrides=args.overrides)
            print(f"figure: {path}")
            return 0
        techniques = [t.strip() for t in args.techniques.split(",") if t.strip()]
        unknown = [t for t in techniques if t not in TECHNIQUES]
        if unknown or not techniques:
            raise DivganError(f"--techniques: unknown {unknown[0] if unknown else '(none)'!r}; allowed: {', '.join(TECHNIQUES)}")
        from ..config import load_config

        for t in techniques:  # a bad --set fails here, in one line, before any training
            load_config(BASES[args.data], [*overrides(t, args.data), *args.overrides])
        jobs = [(args.data, t, s, args.steps, tuple(args.overrides)) for t in techniques for s in range(args.seeds)]
        print(f"divgan zoo: {args.data}, {args.seeds} seeds × {len(techniques)} techniques, {args.steps} steps each", file=sys.stderr)
        if args.jobs > 1:
            with ProcessPoolExecutor(args.jobs) as pool:
                results = list(pool.map(run_one, *zip(*jobs), [1] * len(jobs)))
        else:
            results = []
            for job in jobs:
                results.append(run_one(*job))
                r = results[-1]
                print(f"  {r['technique']} seed {r['seed']}: modes {r['modes']}, high-quality {r['high_quality']:.1f}%, "
                      f"KL {r['kl_uniform']:.3f} ({r['seconds']:.0f} s){' DIVERGED' if r['diverged'] else ''}", file=sys.stderr)
        print(table(results, techniques))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"data": args.data, "steps": args.steps, "seeds": args.seeds, "runs": results}, f, indent=1)
        return 0
