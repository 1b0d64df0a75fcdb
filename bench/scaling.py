"""Data-parallel scaling of ``divgan train``: one preset through torchrun with 1, 2, ... processes.

For each N in ``--nprocs`` it runs

    python -m torch.distributed.run --standalone --nproc_per_node=N -m divgan train PRESET ...

at a fixed global batch (``train.batch_size`` = global / N per rank: the same optimisation problem,
so this is strong scaling), with evaluation and checkpoints only at the end, and reads the training
time from the run's ``summary.json`` (the loop's own clock: start-up, the final evaluation and
figures are not in it; the first steps' warm-up is). It prints images/s and the speed-up over N = 1.

On a CPU the ranks share the machine's cores: each gets ``cores // N`` torch threads
(``OMP_NUM_THREADS`` and ``train.threads``), and gloo carries the all-reduces. On a machine with N
GPUs each rank takes its own GPU and nccl (the trainer picks both); there the speed-up is the
scaling of the same command across GPUs.

    python bench/scaling.py [--preset mnist-dcgan] [--nprocs 1,2] [--steps 300] [--global-batch 128]
                            [--data-root DIR] [--set KEY=VALUE ...]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data beside the repository


def run(preset: str, n: int, steps: int, global_batch: int, threads: int, data_root: str, extra: list[str], out: Path) -> float:
    """Seconds of training for ``steps`` steps on ``n`` ranks (from the run's summary.json)."""
    sets = [f"train.steps={steps}", f"train.batch_size={global_batch // n}", f"train.threads={threads}",
            f"eval.every={steps}", f"train.checkpoint_every={steps}", "train.progress=false", *extra]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
           "-m", "divgan", "train", preset, "--out", str(out), *[a for s in sets for a in ("--set", s)]]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads), "DIVGAN_DATA": data_root})
    if done.returncode != 0:  # divgan's own one-line error where there is one, else torchrun's last line
        lines = [l for l in done.stderr.splitlines() if l.startswith("divgan:")] or done.stderr.splitlines()[-1:] or [f"exit {done.returncode}"]
        raise SystemExit(f"scaling: {n} process(es) failed: {lines[0]}")
    return json.loads((out / "summary.json").read_text())["seconds"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="mnist-dcgan")
    ap.add_argument("--nprocs", default="1,2", help="comma-separated process counts")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--global-batch", type=int, default=128, help="images per step over all ranks")
    ap.add_argument("--data-root", default=os.environ.get("DIVGAN_DATA", str(SHARED)), help="image data folder (DIVGAN_DATA for the runs)")
    ap.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE", help="more config overrides")
    args = ap.parse_args(argv)
    counts = [int(n) for n in args.nprocs.split(",")]
    if any(n < 1 or args.global_batch % n for n in counts):
        print(f"scaling: --global-batch {args.global_batch} must split evenly over --nprocs {args.nprocs}", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    print(f"divgan train {args.preset}: {args.steps} steps at a global batch of {args.global_batch}, {cores} cores")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            threads = max(1, cores // n)
            sec = run(args.preset, n, args.steps, args.global_batch, threads, args.data_root, args.extra, Path(tmp) / f"n{n}")
            rate = args.steps * args.global_batch / sec
            base = base or rate
            print(f"  N={n:<3d} ({args.global_batch // n:4d} images and {threads} thread(s) per rank)"
                  f"  {sec:8.2f} s  {rate:9.0f} img/s  speed-up ×{rate / base:.2f} over N={counts[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
