"""InfoGAN's first categorical code vs the dataset's classifier: the share of samples whose class
(divgan's evaluator) is the class matched to their code value under the best one-to-one matching.

    python bench/infogan_agreement.py RUN_DIR [--n 5000] [--seed 0]

docs/conditional.md reports the number this prints (issue 19: ≥ 80% on MNIST)."""
import argparse
import json

import torch

import divgan
from divgan.evaluator import load_evaluator
from divgan.metrics.conditional import code_agreement
from divgan.models.conditioning import sample_latent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = divgan.load_trainer(args.run_dir)
    if getattr(t.G, "codes", None) is None or not t.G.codes.spec.categorical:
        raise SystemExit("this run has no categorical InfoGAN code")
    z = sample_latent(t.G, args.n, torch.Generator().manual_seed(args.seed))
    x = t.sample(args.n, z=z)
    ev = load_evaluator(t.data.evaluator)
    out = code_agreement(ev.predict(x), t.G.codes.split(z).categorical[:, 0], ev.classes)
    print(json.dumps({"run": args.run_dir, "step": t.step, "n": args.n, "seed": args.seed, **out}))


if __name__ == "__main__":
    main()
