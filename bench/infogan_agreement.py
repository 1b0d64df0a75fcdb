"""InfoGAN's first categorical code vs the dataset's classifier: the share of samples whose class
(divgan's evaluator) is the class matched to their code value under the best one-to-one matching.

    python bench/infogan_agreement.py RUN_DIR [--n 5000] [--seed 0] [--every-checkpoint]

One JSON line for the newest checkpoint, or (``--every-checkpoint``) one per checkpoint the run kept.
docs/conditional.md reports the numbers this prints (issue 19: ≥ 80% on MNIST)."""
import argparse
import json

import torch

import divgan
from divgan.evaluator import load_evaluator
from divgan.metrics.conditional import code_agreement
from divgan.models.conditioning import sample_latent
from divgan.train import checkpoint


def agreement(t, ev, n: int, seed: int) -> dict:
    z = sample_latent(t.G, n, torch.Generator().manual_seed(seed))
    x = t.sample(n, z=z)
    return code_agreement(ev.predict(x), t.G.codes.split(z).categorical[:, 0], ev.classes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every-checkpoint", action="store_true", help="every step_*.pt the run kept, oldest first")
    args = ap.parse_args()
    t = divgan.load_trainer(args.run_dir)
    if getattr(t.G, "codes", None) is None or not t.G.codes.spec.categorical:
        raise SystemExit("this run has no categorical InfoGAN code")
    ev = load_evaluator(t.data.evaluator)
    paths = sorted(t.run.checkpoints.glob("step_*.pt")) if args.every_checkpoint else [None]
    for path in paths:
        if path is not None:
            t.restore(checkpoint.load(path), path)
            if t.step == 0:
                continue
            t.G.eval()
        out = agreement(t, ev, args.n, args.seed)
        print(json.dumps({"run": args.run_dir, "step": t.step, "n": args.n, "seed": args.seed, **out}), flush=True)


if __name__ == "__main__":
    main()
