"""``divgan fgan1d [--out DIR]``: the f-GAN 1-D experiment (GAN game vs direct minimisation)."""
from __future__ import annotations

import json
from pathlib import Path

from . import command


@command("fgan1d")
class FGan1D:
    help = "the f-GAN 1-D experiment: fit a Gaussian and an MLP generator to a 1-D mixture by each divergence's game"

    @staticmethod
    def configure(p):
        p.add_argument("--out", default="fgan1d", help="output folder (default: ./fgan1d)")
        p.add_argument("--steps", type=int, default=1000, help="generator updates per game (default: 1000)")
        p.add_argument("--divergences", default=None, help="comma-separated names (default: all)")
        p.add_argument("--games", default="saturating,alternative,mlp",
                       help="comma-separated: saturating, alternative (Gaussian generator), mlp (default: all three)")
        p.add_argument("--seed", type=int, default=0)

    @staticmethod
    def run(args) -> int:
        from ..divergences import DIVERGENCES
        from ..errors import DivganError
        from ..fgan1d import GAMES, density_curve, experiment, json_rows, markdown_table, mixture
        from ..viz.divergences import plot_fits

        names = args.divergences.split(",") if args.divergences else DIVERGENCES.names()
        for n in names:
            DIVERGENCES[n]
        games = [g for g in args.games.split(",") if g]
        bad = [g for g in games if g not in GAMES]
        if bad or args.steps < 1:
            raise DivganError(f"--games: unknown {bad[0]!r}; allowed: {', '.join(GAMES)}" if bad else "--steps must be ≥ 1")
        rows = experiment(names, steps=args.steps, games=games, seed=args.seed)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table = markdown_table(rows)
        (out / "table.md").write_text(table)
        (out / "table.json").write_text(json.dumps(json_rows(rows), indent=1))
        data = mixture()
        xs, dens = density_curve(data)
        fig = plot_fits(xs, dens, rows, out / "fgan1d.png", title=f"f-GAN games ({args.steps} steps) vs direct minimisation")
        print(table, end="")
        print(f"wrote {fig} and {out / 'table.md'}")
        return 0
