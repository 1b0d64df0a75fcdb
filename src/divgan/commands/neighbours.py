"""``divgan neighbours RUN_DIR``: memorisation check (nearest training images, distance statistics)."""
from __future__ import annotations

import json
from pathlib import Path

from . import add_run_args, command, run_trainer


@command("neighbours")
class Neighbours:
    help = "memorisation: samples beside their nearest training images (Goodfellow et al. Fig. 2) and distance statistics"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--n", type=int, default=16, help="samples in the figure")
        p.add_argument("--stats-n", type=int, default=2000, help="samples (and held-out images) for the statistics")
        p.add_argument("--out", help="figure (default RUN_DIR/samples/neighbours.png)")

    @staticmethod
    def run(args) -> int:
        from tqdm import tqdm

        from ..analysis.neighbours import memorisation, neighbours_figure
        from ..errors import DivganError
        from ..evaluator import load_evaluator
        from ..metrics import MetricContext
        from ..metrics.features import real_sets

        if args.n < 1 or args.stats_n < 2:
            raise DivganError("--n must be ≥ 1 and --stats-n ≥ 2")
        trainer = run_trainer(args, "image")
        ctx = MetricContext.of(trainer)
        name = ctx.evaluator
        try:
            ev = load_evaluator(name) if name else None
        except DivganError as e:
            trainer.log(f"warning: {e}; pixel space only")
            ev = None
        train, test = real_sets(ctx)
        out = Path(args.out) if args.out else trainer.run.samples / "neighbours.png"
        with tqdm(total=3, desc="neighbours", unit="part") as bar:
            samples = trainer.sample(max(args.n, args.stats_n), seed=args.seed)
            bar.update()
            stats = memorisation(samples[: args.stats_n], train, test[: args.stats_n], ev)
            bar.update()
            neighbours_figure(samples[: args.n], train, out, ev)
            bar.update()
        print(json.dumps({"train_images": len(train), "samples": min(len(samples), args.stats_n), **stats, "figure": str(out)}, indent=1))
        return 0
