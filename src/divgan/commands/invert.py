"""``divgan invert RUN_DIR``: recover z for real images (Metz et al. 2016, Fig. 5 protocol)."""
from __future__ import annotations

import json
from pathlib import Path

from . import add_run_args, command, run_trainer


@command("invert")
class Invert:
    help = "invert the generator: find z with G(z) ≈ x for real images; mean MSE on [0,1] pixels and a figure"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--n", type=int, default=20, help="target images")
        p.add_argument("--split", choices=("train", "test"), default="train",
                       help="targets from the training images (Metz et al.) or held-out images")
        p.add_argument("--method", choices=("adam", "lbfgs"), default="adam")
        p.add_argument("--starts", type=int, default=4, help="random starts per image (the best is kept)")
        p.add_argument("--steps", type=int, default=300, help="optimiser steps (L-BFGS: outer steps of 20 iterations)")
        p.add_argument("--lr", type=float, default=0.05, help="Adam learning rate")
        p.add_argument("--out", help="figure (default RUN_DIR/samples/inversion_<method>.png)")

    @staticmethod
    def run(args) -> int:
        import torch

        from ..analysis.inversion import invert, inversion_figure
        from ..errors import DivganError
        from ..metrics import MetricContext
        from ..metrics.features import real_sets

        if args.n < 1:
            raise DivganError("--n must be at least 1")
        trainer = run_trainer(args, "image")
        train, test = real_sets(MetricContext.of(trainer))
        pool = train if args.split == "train" else test
        idx = torch.randperm(len(pool), generator=torch.Generator().manual_seed(args.seed))[: args.n]
        x = pool[idx].float() / 127.5 - 1
        res = invert(trainer.G, x, args.starts, args.steps, args.method, args.lr, args.seed, progress=True)
        out = Path(args.out) if args.out else trainer.run.samples / f"inversion_{args.method}.png"
        inversion_figure(x, res["recon"], out)
        print(json.dumps({"method": args.method, "split": args.split, "n": len(x), "starts": args.starts, "steps": args.steps,
                          "mse_mean": res["mse_mean"], "mse_first_start": res["mse_first_start"], "z_rms": res["z_rms"],
                          "figure": str(out)}, indent=1))
        return 0
