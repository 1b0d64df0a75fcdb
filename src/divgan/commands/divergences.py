"""``divgan divergences [--out DIR]``: fit one Gaussian to a bimodal mixture by minimising each divergence."""
from __future__ import annotations

import json
from pathlib import Path

from . import command


@command("divergences")
class Divergences:
    help = "fit a Gaussian (μ, σ) to a bimodal mixture by minimising each f-divergence directly (figure + table)"

    @staticmethod
    def configure(p):
        p.add_argument("--out", default="divergences", help="output folder (default: ./divergences)")
        p.add_argument("--means", type=float, nargs="+", default=[-2.0, 2.0], help="mixture means (default: -2 2)")
        p.add_argument("--std", type=float, default=0.5, help="component std (default: 0.5)")

    @staticmethod
    def run(args) -> int:
        from ..divergences import DIVERGENCES
        from ..fgan1d import density_curve, direct_fit, divergence_warning, json_rows, markdown_table, mixture
        from ..viz.divergences import plot_fits

        section = {"name": "mixture1d", "means": args.means, "stds": [args.std]}
        data = mixture(section)
        rows = [{"divergence": name, "direct": direct_fit(name, data)} for name in DIVERGENCES.names()]
        for r in rows:
            r["direct"]["warning"] = divergence_warning(r["direct"], data)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table = markdown_table(rows)
        (out / "table.md").write_text(table)
        (out / "table.json").write_text(json.dumps(json_rows(rows), indent=1))
        xs, dens = density_curve(data)
        fig = plot_fits(xs, dens, rows, out / "divergences.png",
                        title="one Gaussian fitted to a bimodal mixture by minimising D_f(P‖N(μ,σ²))")
        print(table, end="")
        print(f"wrote {fig} and {out / 'table.md'}")
        return 0
