"""Steps/s of image presets at the default ``train.threads=0`` (auto) against fixed thread counts,
on an idle machine and with one core kept busy (issue 21: with 2 threads and a busy core a DCGAN step
ran up to 60× slower than with 1).

For each preset and each state (``idle``: nothing added; ``busy``: a subprocess spinning on one core)
it runs, in fresh processes and interleaved over ``--repeats``, the trainer for ``--steps`` steps (or
until ``--limit`` seconds, whichever comes first: a collapsed setting is timed on fewer steps) at the
default settings and at ``train.threads`` = each of ``--threads``, and prints the median steps/s, the
best fixed setting and the ratio best / default (the target: at most 1.3 in both states). The default
runs without ``OMP_NUM_THREADS`` in the environment, as a user's would. The 0.2 s load sample auto mode
takes when the trainer starts is not in the timing (it is a one-off); the tuner's tries are.

    python bench/threads.py [--presets digits-dcgan,mnist-dcgan] [--steps 150] [--limit 20] [--repeats 2]
                            [--threads 1,2] [--passive 2] [--states idle,busy] [--data-root DIR]

``--passive 2`` adds 2 threads with ``OMP_WAIT_POLICY=PASSIVE`` (threads sleep at barriers instead of
spinning), the other remedy issue 21 asked to measure.

``--data-root`` holds ``MNIST/raw/*.gz`` (default ../shared/data beside the repository, else
``$DIVGAN_DATA``); the files are copied to a temporary root. The machine should be otherwise quiet:
the script prints the load average of each state, so that a busy machine shows in the report.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

CHILD = r"""
import sys, time
from divgan.config import load_config
from divgan.train.trainer import Trainer
preset, steps, limit, *sets = sys.argv[1:]
cfg = load_config(preset, ["train.progress=false", *sets])
t = Trainer(cfg, log=lambda m: None)
t.train_step()  # lazy initialisation
start, done = time.perf_counter(), 0
while done < int(steps) and time.perf_counter() - start < float(limit):
    t.train_step()
    done += 1
print(done / (time.perf_counter() - start), t.threads.current)
"""


def one(preset: str, threads, args, data_root: str) -> tuple[float, int]:
    """(steps/s, final thread count) of one fresh process; ``threads=None`` is the default, ``"Np"`` is
    N threads with ``OMP_WAIT_POLICY=PASSIVE``."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    if isinstance(threads, str):
        threads, env["OMP_WAIT_POLICY"] = int(threads[:-1]), "PASSIVE"
    env["DIVGAN_DATA"] = data_root
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1] / "src"), env.get("PYTHONPATH")]))
    sets = [] if threads is None else [f"train.threads={threads}"]
    done = subprocess.run([sys.executable, "-c", CHILD, preset, str(args.steps), str(args.limit), *sets],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        raise SystemExit(f"bench/threads.py: {preset} threads={threads} failed: {lines[-1]}")
    rate, final = done.stdout.split()
    return float(rate), int(final)


def spinner() -> subprocess.Popen:
    """A process that keeps one core busy."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def measure(preset: str, args, data_root: str) -> dict:
    settings = [None, *args.threads, *[f"{n}p" for n in args.passive]]
    rates: dict = {s: [] for s in settings}
    finals = []
    for _ in range(args.repeats):
        for s in settings:
            rate, final = one(preset, s, args, data_root)
            rates[s].append(rate)
            if s is None:
                finals.append(final)
    return {"rates": {s: statistics.median(r) for s, r in rates.items()}, "finals": finals}


def report(preset: str, state: str, m: dict) -> float:
    r = m["rates"]
    best = max((s for s in r if isinstance(s, int)), key=r.get)  # fixed counts, OpenMP's default wait policy
    ratio = r[best] / r[None]
    fixed = "   ".join(f"threads={s}: {r[s]:6.1f}" for s in r if isinstance(s, int))
    fixed += "".join(f"   threads={s[:-1]} passive: {r[s]:6.1f}" for s in r if isinstance(s, str))
    print(f"{preset:<13} {state:<5} default: {r[None]:6.1f} steps/s (ended at {'/'.join(map(str, m['finals']))} threads)   "
          f"{fixed}   best/default: {ratio:.2f}× {'ok' if ratio <= 1.3 else 'OVER 1.3'}")
    return ratio


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presets", default="digits-dcgan,mnist-dcgan")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--limit", type=float, default=20.0, help="seconds at most per timed run")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", default="1,2", help="fixed settings to compare with (default: 1,2)")
    ap.add_argument("--states", default="idle,busy")
    ap.add_argument("--passive", default="", help="also these counts with OMP_WAIT_POLICY=PASSIVE (e.g. 2)")
    ap.add_argument("--data-root", default=None)
    args = ap.parse_args(argv)
    args.threads = [int(x) for x in args.threads.split(",")]
    args.passive = [int(x) for x in args.passive.split(",") if x]
    presets = args.presets.split(",")
    src = Path(args.data_root or (SHARED if SHARED.is_dir() else os.environ.get("DIVGAN_DATA", "")))
    with tempfile.TemporaryDirectory(prefix="divgan-threads-") as tmp:
        raw = Path(tmp) / "MNIST" / "raw"
        raw.mkdir(parents=True)
        for f in (src / "MNIST" / "raw").glob("*.gz") if src.name else []:
            shutil.copy(f, raw / f.name)
        if any(p.startswith("mnist") for p in presets) and not any(raw.iterdir()):
            print(f"bench/threads.py: MNIST not found: put the .gz files in {src}/MNIST/raw or pass --data-root", file=sys.stderr)
            return 2
        print(f"cores (affinity): {len(os.sched_getaffinity(0))}   steps {args.steps} (at most {args.limit:g} s)   "
              f"repeats {args.repeats}, medians")
        worst = 0.0
        for state in args.states.split(","):
            spin = spinner() if state == "busy" else None
            try:
                time.sleep(1.0 if spin else 0.0)
                print(f"[{state}] load average before: {os.getloadavg()[0]:.2f}")
                for preset in presets:
                    worst = max(worst, report(preset, state, measure(preset, args, tmp)))
            finally:
                if spin:
                    spin.kill()
                    spin.wait()
        print(f"worst best/default: {worst:.2f}× (target ≤ 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
