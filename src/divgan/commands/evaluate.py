"""``divgan evaluate RUN_DIR [--metrics NAME ...]``: score a trained run, with real-data references."""
from __future__ import annotations

import json
import os
import sys

from . import add_run_args, command

from ..train.rundir import EVALUATION_FILE  # noqa: F401  (its old home)


def default_metrics(trainer) -> list[str]:
    """A run's evaluation metrics (its kind's defaults) plus Parzen for images."""
    from ..metrics import metrics_for

    names = metrics_for(["auto"], trainer.data.kind)
    return names + ["parzen"] if trainer.data.kind == "image" else names


def default_n(trainer) -> int:
    from ..metrics.classes import STACKED_N

    if getattr(trainer.data, "per_channel_labels", False):
        return STACKED_N
    return max(10_000, trainer.cfg.eval.n_samples) if trainer.data.kind == "image" else trainer.cfg.eval.n_samples


def evaluate_run(run_dir, names: list[str] | None = None, n: int | None = None, seed: int = 0, which: str = "latest",
                 with_reference: bool = True, progress: bool = True,
                 fallback: bool = False) -> dict:
    """Score a run's generator with ``names`` (default: :func:`default_metrics`) on ``n`` samples;
    returns the report (also written to ``RUN_DIR/evaluation.json``)."""
    import torch
    from tqdm import tqdm

    from ..api import load_trainer
    from ..io import atomic_write_text
    from ..metrics import METRICS, MetricContext, metrics_for, reference_values

    trainer = load_trainer(run_dir, which, fallback=fallback)
    ctx = MetricContext.of(trainer, _stderr)
    names = metrics_for(names, trainer.data.kind) if names else default_metrics(trainer)
    n = n or default_n(trainer)
    from ..models.conditioning import sample_latent

    z = sample_latent(trainer.G, n, torch.Generator().manual_seed(seed))
    ctx.labels = labels = trainer.asked_labels(n)  # conditional runs: every class in turn
    bar = tqdm(z.split(1000), desc="sampling", unit="batch", disable=not progress, file=sys.stderr)
    samples = torch.cat([trainer.sample(len(c), z=c, labels=None if labels is None else labels[i * 1000:(i + 1) * 1000])
                         for i, c in enumerate(bar)])
    metrics, ref = {}, {}
    for name in tqdm(names, desc="metrics", unit="metric", disable=not progress, file=sys.stderr):
        metrics.update(METRICS[name](ctx, samples))
    if with_reference:
        ref = reference_values(ctx, names, n)
    out = {"run": str(run_dir), "checkpoint": which, "step": trainer.step, "n_samples": n, "seed": seed,
           "metrics": metrics, "reference": ref}
    atomic_write_text(trainer.run.path / EVALUATION_FILE, json.dumps(out, indent=1) + "\n")
    return out


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


@command("evaluate")
class Evaluate:
    help = "score a trained run (FID/KID/precision/recall, classifier score, classes or modes, Parzen) with real-data references"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--metrics", nargs="+", metavar="NAME",
                       help="metrics to compute (default: the run's defaults, plus parzen for images); e.g. features classes parzen inception")
        p.add_argument("--n", type=int, help="generator samples (default 10,000 for images, 26,000 for Stacked MNIST)")
        p.add_argument("--no-reference", action="store_true", help="skip the real-data reference values")
        p.add_argument("--inception-weights", metavar="PATH", help="local Inception-v3 weights for the inception metric")

    @staticmethod
    def run(args) -> int:
        from ..errors import DivganError

        if args.n is not None and args.n < 2:
            raise DivganError("--n must be at least 2")
        if args.inception_weights:
            os.environ["DIVGAN_INCEPTION_WEIGHTS"] = args.inception_weights
        out = evaluate_run(args.run_dir, args.metrics, args.n, args.seed, "best" if args.best else "latest",
                           not args.no_reference, fallback=args.fallback)
        print(json.dumps(out, indent=1))
        return 0
