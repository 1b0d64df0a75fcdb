"""``divgan benchmark PROTOCOL [CONFIG_OR_PRESET ...] [--seeds N] [--jobs J] [--out DIR] [--set k=v ...]``:
a published table reproduced over seeds (the protocols are in ``divgan.benchmark``)."""
from __future__ import annotations

import datetime
import os
import shlex
from pathlib import Path

from . import command


def default_jobs(threads: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // threads)


def parse_minutes(text: str | None) -> list[float] | None:
    from ..errors import DivganError

    if not text:
        return None
    try:
        out = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out or any(m <= 0 for m in out):
        raise DivganError(f"--minutes: expected positive numbers separated by commas (e.g. 1,2,5,10), got {text!r}")
    return out


@command("benchmark")
class Benchmark:
    help = "reproduce a published table over seeds (ring, grid, stacked-mnist, mnist-minutes, parzen): table, CSV, Markdown and a page"

    @staticmethod
    def configure(p):
        p.add_argument("protocol", help="ring, grid, stacked-mnist, mnist-minutes or parzen")
        p.add_argument("configs", nargs="*", metavar="CONFIG_OR_PRESET", help="configs to compare (default: the protocol's)")
        p.add_argument("--seeds", type=int, default=10, help="seeds per config (default 10)")
        p.add_argument("--jobs", type=int, help="runs in parallel (default: cores // --threads)")
        p.add_argument("--threads", type=int, default=1, help="torch threads per run (default 1)")
        p.add_argument("--out", help="folder for the runs and results (default: runs/benchmark-PROTOCOL)")
        p.add_argument("--minutes", help="mnist-minutes: training-time budgets, comma-separated (default 1,2,5,10)")
        p.add_argument("--samples", type=int, help="generator samples scored per run (default: the protocol's)")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config value in every run (e.g. train.steps=500); repeatable")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

    @staticmethod
    def run(args) -> int:
        from ..benchmark import PROTOCOLS, report, runner
        from ..errors import DivganError

        proto = PROTOCOLS[args.protocol]()
        if args.seeds < 1 or (args.jobs is not None and args.jobs < 1) or args.threads < 1:
            raise DivganError("--seeds, --jobs and --threads must be at least 1")
        if args.samples is not None and args.samples < 2:
            raise DivganError("--samples must be at least 2")
        minutes = parse_minutes(args.minutes)
        if minutes and proto.budgets(None) == [None]:
            raise DivganError(f"--minutes applies to protocol mnist-minutes only, not {args.protocol}")
        configs = args.configs or list(proto.configs)
        runner.check_configs(proto, configs, args.overrides)
        out = Path(args.out or f"runs/benchmark-{args.protocol}")
        n = args.samples or proto.n_samples
        workers = args.jobs or default_jobs(args.threads)
        jobs = runner.plan(proto, configs, args.seeds, minutes, out, args.overrides, n)
        started = datetime.datetime.now().isoformat(timespec="seconds")
        runner.run_all(jobs, proto, n, args.threads, workers, out, progress=not args.no_progress)
        cmd = ["divgan", "benchmark", args.protocol, *configs, "--seeds", str(args.seeds), "--jobs", str(workers),
               "--threads", str(args.threads), "--out", str(out)]
        cmd += (["--minutes", args.minutes] if args.minutes else []) + (["--samples", str(n)] if args.samples else [])
        cmd += [x for o in args.overrides for x in ("--set", o)]
        meta = {"command": shlex.join(cmd), "n_samples": n, "seeds": args.seeds, "started": started,
                "finished": datetime.datetime.now().isoformat(timespec="seconds"),
                "environment": report.environment(args.threads, workers)}
        written = report.write_all(out, proto, jobs, meta)
        print(written["table"])
        print("\n" + "  ".join(f"{k}: {written[k]}" for k in ("csv", "md", "html")))
        failed = [j for j in jobs if j.error]
        if failed:
            print(f"{len(failed)} run(s) failed (see {out / 'logs'}); rerun the same command to retry them")
            return 1
        return 0
