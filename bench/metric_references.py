"""Reference values of divgan's evaluation metrics on real data (the numbers in docs/protocols.md).

    DIVGAN_DATA=../shared/data python bench/metric_references.py [--n 10000]

Needs the MNIST evaluator (``divgan evaluator train mnist``). Prints one JSON object: real test vs
real train; a single repeated test digit; test images with added Gaussian noise and blur (FID should
grow monotonically); real Stacked MNIST (26,000 samples) and a collapsed set for mode counting; the
Parzen log-likelihood of the test set with windows on real training images.
"""
from __future__ import annotations

import argparse
import json

import torch
import torchvision.transforms.functional as TF

from divgan.data import build_dataset
from divgan.evaluator import labelled_images, load_evaluator
from divgan.metrics.classes import STACKED_N, class_stats, stacked_mode_stats
from divgan.metrics.features import compute
from divgan.metrics.parzen import parzen


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    ev = load_evaluator("mnist")
    every, _ = labelled_images("mnist", "train")
    test, ytest = labelled_images("mnist", "test")
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(every), generator=g)
    train, valid = every[perm[: args.n]], every[perm[args.n: args.n + 1000]]
    test, ytest = test[: args.n], ytest[: args.n]
    x = test.float() / 127.5 - 1

    def scores(samples):
        out = compute(samples, train, "divgan-mnist", ("fid", "kid", "prc", "isc"))
        out.update(class_stats(ev.predict(samples), 10))
        return out

    report = {"evaluator_test_accuracy": ev.info["test_accuracy"], "n": args.n,
              "real_test_vs_train": scores(test),
              "single_repeated_digit": scores(test[ytest == 3][:1].expand(args.n, -1, -1, -1))}
    report["noise"] = {s: compute((x + s * torch.randn(x.shape, generator=g)).clamp(-1, 1), train, "divgan-mnist", ("fid",))["fid"]
                       for s in (0.0, 0.1, 0.2, 0.4)}
    report["blur"] = {s: compute(TF.gaussian_blur(x, 9, s), train, "divgan-mnist", ("fid",))["fid"] for s in (0.5, 1.0, 1.5, 2.0)}
    stacked = build_dataset({"name": "stacked_mnist", "split": "test"}, seed=0).sample(STACKED_N, g)
    report["stacked_real"] = stacked_mode_stats(ev.predict_channels(stacked))
    report["stacked_collapsed_10"] = stacked_mode_stats(ev.predict_channels(stacked[:10].repeat(STACKED_N // 10, 1, 1, 1)))
    report["parzen_real_train_windows"] = parzen(train, valid, test)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
