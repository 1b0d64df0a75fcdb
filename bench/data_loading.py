"""Data loading vs a DCGAN-28 training step on CPU (issue 6: loading must cost < 10% of a step).

Times ``data.sample(batch)`` (indexing the in-memory uint8 MNIST tensor and scaling to [-1, 1]) and
one full ``Trainer.train_step()`` of the mnist-dcgan preset in the same process, interleaved, and
prints the median of each and their ratio. Timings on a shared machine are noisy: read the ratio.

    .venv/bin/python bench/data_loading.py [--root ../shared/data] [--reps 20]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from divgan.config import load_config
from divgan.train.trainer import Trainer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--preset", default="mnist-dcgan")
    args = ap.parse_args()
    cfg = load_config(args.preset, [f"data.root={args.root}", "train.device=cpu"])
    t = Trainer(cfg, log=lambda m: None)
    n = cfg.train.batch_size
    for _ in range(3):  # warm-up
        t.train_step()
    load, step = [], []
    for _ in range(args.reps):
        s = time.perf_counter()
        t.real_batch(n)
        load.append(time.perf_counter() - s)
        s = time.perf_counter()
        t.train_step()
        step.append(time.perf_counter() - s)
    # one step draws d_steps real batches
    lo, st = statistics.median(load) * cfg.train.d_steps, statistics.median(step)
    print(f"{args.preset}: batch {n}, channels_last={t.channels_last}, bf16={t.bf16}")
    print(f"data loading per step: {lo * 1e3:.2f} ms   training step: {st * 1e3:.1f} ms   ratio: {100 * lo / st:.2f}% (target < 10%)")


if __name__ == "__main__":
    main()
