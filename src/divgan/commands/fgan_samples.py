"""``divgan fgan-samples [CONFIG] --out FILE.png``: train one f-GAN per divergence for a short budget
and draw one row of samples per divergence (the f-GAN paper's MNIST figure).

Without CONFIG each divergence trains with its own tuned preset ``mnist-fgan-<name>``; with CONFIG every
divergence trains with that config (only ``objective.divergence`` changes)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import add_config_args, command


@command("fgan-samples")
class FGanSamples:
    help = "train an f-GAN per divergence (short budget) and draw one row of samples each (image or 2-D toy data)"

    @staticmethod
    def configure(p):
        add_config_args(p, default="each divergence's mnist-fgan-<name> preset")
        p.add_argument("--out", required=True, help="FILE.png (a FILE.json with the final metrics is written beside it)")
        p.add_argument("--steps", type=int, default=500, help="generator updates per divergence (default: 500)")
        p.add_argument("--divergences", default=None, help="comma-separated names (default: all)")
        p.add_argument("--n", type=int, default=10, help="samples per row (default: 10; 2-D toys: 1000)")

    @staticmethod
    def run(args) -> int:
        import torch

        from ..api import train
        from ..divergences import DIVERGENCES
        from ..errors import DivganError
        from ..viz.rows import plot_sample_rows

        names = args.divergences.split(",") if args.divergences else DIVERGENCES.names()
        for n in names:
            DIVERGENCES[n]
        if args.steps < 1 or args.n < 1:
            raise DivganError("--steps and --n must be at least 1")
        out = Path(args.out)
        if out.suffix != ".png":
            raise DivganError(f"--out must end in .png, got {out.name}")
        rows, finals = {}, {}
        for name in names:
            overrides = [*args.overrides, "objective.name=fgan", f"objective.divergence={name}", f"train.steps={args.steps}",
                         f"eval.every={args.steps}", "train.progress=false"]
            config = args.config or f"mnist-fgan-{name.replace('_', '-')}"
            run = train(config, overrides=overrides, save=False, log=lambda m: None)
            if run.summary.get("interrupted"):
                print(f"divgan: interrupted while training {name}", file=sys.stderr)
                return 130
            trainer = run.trainer
            n = args.n if trainer.data.kind == "image" else max(args.n, 1000)
            z = torch.randn(n, trainer.G.latent_dim, generator=torch.Generator().manual_seed(0))
            rows[name] = trainer.sample(n, z=z)
            finals[name] = run.summary.get("final", {})
            print(f"{name}: {', '.join(f'{k}={v:.4g}' for k, v in finals[name].items() if isinstance(v, float))}")
        out.parent.mkdir(parents=True, exist_ok=True)
        plot_sample_rows(rows, out, title=f"f-GAN samples after {args.steps} steps, one row per divergence", data=trainer.data)
        out.with_suffix(".json").write_text(json.dumps(finals, indent=1))
        print(f"wrote {out}")
        return 0
