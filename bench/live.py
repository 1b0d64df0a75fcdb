"""The live page's cost: training with ``--live`` (server listening, publisher writing, no browser)
against the same run without it, interleaved (so a shared machine's load hits both alike).

    python bench/live.py [--preset ring] [--steps 1000] [--repeats 5] [--threads 1]

Each repeat trains the preset twice from the same seed, once plain and once with the live server
and publisher (the order alternates between repeats); it prints the wall time of every run and the
median of the per-repeat ratios live / plain. The issue's bar: within 5% (ratio <= 1.05).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

import divgan
from divgan.live import LiveServer, Publisher


def one(preset: str, out: Path, overrides: list[str], live: bool) -> float:
    server = LiveServer(out, port=0).start() if live else None
    callbacks = [Publisher(out)] if live else []
    t0 = time.perf_counter()
    try:
        divgan.train(preset, out=out, overrides=overrides, log=lambda m: None, callbacks=callbacks)
    finally:
        if server:
            server.close()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="ring")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    overrides = [f"train.steps={args.steps}", f"train.threads={args.threads}", "train.progress=false", *args.extra]
    ratios = []
    with tempfile.TemporaryDirectory(prefix="divgan-bench-live-") as tmp:
        for r in range(args.repeats):
            times = {}
            for live in ((False, True) if r % 2 == 0 else (True, False)):
                times[live] = one(args.preset, Path(tmp) / f"r{r}-{int(live)}", overrides, live)
            ratios.append(times[True] / times[False])
            print(f"repeat {r}: plain {times[False]:.2f} s   live {times[True]:.2f} s   ratio {ratios[-1]:.3f}", flush=True)
    print(f"{args.preset}, {args.steps} steps, {args.repeats} repeats: median ratio live/plain = {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
