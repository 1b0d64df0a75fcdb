"""Plan, train (``divgan train`` subprocesses, in parallel, resumably) and score a benchmark's runs.

Every (config, budget, seed) is an ordinary run directory ``OUT/<config>[/<m>min]/seed<k>``:

- it has ``summary.json``: trained, never redone;
- it has a step checkpoint but no summary (stopped halfway): ``divgan train --resume`` continues it;
- else it is trained from scratch (``--force`` replaces a folder holding no checkpoint).

A trained run is scored once with the protocol's metrics on its sample count (the same as
``divgan evaluate RUN --metrics ... --n N --seed k --no-reference``); the scores go to
``RUN/benchmark.json``, which a rerun reads instead of scoring again.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DivganError

SCORES = "benchmark.json"
MANY_STEPS = 10**9  # a time-budgeted run stops on train.minutes, not on steps


@dataclass
class Job:
    """One seed of one config (at one time budget): its run directory and what became of it."""

    config: str  # as the user named it (preset or YAML path)
    label: str  # the config's folder name
    seed: int
    minutes: float | None
    path: Path
    overrides: list[str]  # the protocol's and the user's --set values (seed and threads are added)
    action: str = ""  # "done", "score", "resume", "train"
    scores: dict | None = None
    error: str | None = None
    commands: list[str] = field(default_factory=list)


def config_label(config: str) -> str:
    """A preset's name, or a YAML file's stem."""
    return Path(config).stem if config.endswith((".yaml", ".yml")) else config


def check_configs(proto, configs: list[str], overrides: list[str]) -> None:
    """Each config loads (with the user's --set) and trains on a dataset the protocol accepts."""
    from ..config import load_config

    labels = [config_label(c) for c in configs]
    dup = next((x for x in labels if labels.count(x) > 1), None)
    if dup:
        raise DivganError(f"two configs are named {dup!r}; a benchmark needs distinct config names")
    for c in configs:
        cfg = load_config(c, overrides)
        if cfg.data["name"] not in proto.datasets:
            raise DivganError(f"config {c!r} trains on data {cfg.data['name']!r}; protocol {proto.registry_name} "
                              f"needs data.name in: {', '.join(proto.datasets)}")
    if proto.evaluator:
        from ..evaluator import load_evaluator

        try:
            load_evaluator(proto.evaluator)
        except DivganError as e:
            raise DivganError(f"protocol {proto.registry_name} needs divgan's {proto.evaluator} evaluator ({e})") from None


def plan(proto, configs: list[str], seeds: int, minutes: list[float] | None, out: Path, overrides: list[str],
         n: int) -> list[Job]:
    jobs = []
    for config in configs:
        label = config_label(config)
        for budget in proto.budgets(minutes):
            base = out / label if budget is None else out / label / f"{budget:g}min"
            extra = [] if budget is None else [f"train.minutes={budget:g}", f"train.steps={MANY_STEPS}", f"eval.every={MANY_STEPS}"]
            for k in range(seeds):
                jobs.append(Job(config, label, k, budget, base / f"seed{k}", extra + list(overrides)))
    for job in jobs:
        job.action = action(job, proto, n)
    return jobs


def action(job: Job, proto, n: int) -> str:
    """What a job still needs: done, score (trained, not scored), resume (stopped halfway) or train."""
    p = job.path
    if (p / "summary.json").is_file():
        return "done" if read_scores(p, proto, n) is not None else "score"
    if (p / "config.yaml").is_file() and any((p / "checkpoints").glob("step_*.pt")):
        return "resume"
    return "train"


def read_scores(path: Path, proto, n: int) -> dict | None:
    """The run's stored scores if they were made by this protocol with its metrics on n samples."""
    try:
        s = json.loads((path / SCORES).read_text())
    except (OSError, ValueError):
        return None
    same = s.get("protocol") == proto.registry_name and s.get("metrics") == list(proto.metrics)
    return s["values"] if same and s.get("n_samples") == n else None


def train_command(job: Job, threads: int) -> list[str]:
    sets = ["--set", f"train.threads={threads}", "--set", "train.progress=false"]
    if job.action == "resume":
        return [sys.executable, "-m", "divgan", "train", "--resume", str(job.path), *sets]
    sets = [x for o in job.overrides for x in ("--set", o)] + ["--set", f"seed={job.seed}", *sets]  # the seed wins
    force = ["--force"] if job.path.exists() else []
    return [sys.executable, "-m", "divgan", "train", job.config, "--out", str(job.path), *force, *sets]


def shown(cmd: list[str]) -> str:
    """A command as a user types it: ``divgan ...`` for ``python -m divgan ...``."""
    if cmd[:3] == [sys.executable, "-m", "divgan"]:
        cmd = ["divgan", *cmd[3:]]
    return shlex.join(cmd)


def child_env(threads: int) -> dict:
    """The subprocess environment: this divgan first on the path, ``threads`` BLAS/OpenMP threads."""
    import divgan

    env = dict(os.environ)
    src = str(Path(divgan.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


def score(job: Job, proto, n: int) -> dict:
    """The protocol's metrics of a run's latest generator on n samples (seed = the run's seed)."""
    from ..api import load_trainer, sample_from
    from ..io import atomic_write_text
    from ..metrics import METRICS, MetricContext

    trainer = load_trainer(job.path)
    samples, _ = sample_from(trainer, n, seed=job.seed)  # `divgan sample RUN --n n --seed k`'s samples
    values: dict = {"step": trainer.step}
    ctx = MetricContext.of(trainer)
    for name in proto.metrics:
        values.update(METRICS[name](ctx, samples))
    summary = json.loads((job.path / "summary.json").read_text())
    values["seconds"] = summary.get("seconds")
    atomic_write_text(job.path / SCORES, json.dumps({"protocol": proto.registry_name, "metrics": list(proto.metrics),
                                                      "n_samples": n, "values": values}, indent=1) + "\n")
    return values


def run_job(job: Job, proto, n: int, threads: int, lock: threading.Lock, logs: Path) -> Job:
    metrics = " ".join(proto.metrics)
    scoring = f"divgan evaluate {shlex.quote(str(job.path))} --metrics {metrics} --n {n} --seed {job.seed} --no-reference"
    if job.action in ("train", "resume"):
        cmd = train_command(job, threads)
        job.commands.append(shown(cmd))
        log = logs / f"{job.label}{'' if job.minutes is None else f'-{job.minutes:g}min'}-seed{job.seed}.log"
        with open(log, "a") as f:
            f.write(f"$ {shown(cmd)}\n")
            f.flush()
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=child_env(threads)).returncode
        if rc != 0 or not (job.path / "summary.json").is_file():
            lines = [x for x in log.read_text().splitlines() if x.strip()]
            job.error = f"exit {rc}: {lines[-1] if lines else '(no output)'} (log: {log})"
            return job
    job.commands.append(scoring)
    if job.action == "done":
        job.scores = read_scores(job.path, proto, n)
        return job
    with lock:  # one scoring at a time in this process; the trainings go on in theirs
        try:
            job.scores = score(job, proto, n)
        except DivganError as e:
            job.error = f"scoring {job.path}: {e}"
    return job


def run_all(jobs: list[Job], proto, n: int, threads: int, workers: int, out: Path, progress: bool = True) -> list[Job]:
    """Run the jobs (``workers`` at a time) with a progress bar over runs; Ctrl-C stops the running
    trainings at a checkpoint (they get the signal too) and leaves the rest for the next call."""
    import torch
    from tqdm import tqdm

    torch.set_num_threads(threads)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    done = [j for j in jobs if j.action == "done"]
    todo = [j for j in jobs if j.action != "done"]
    for j in done:
        run_job(j, proto, n, threads, lock, logs)
    bar = tqdm(total=len(jobs), initial=len(done), desc=f"benchmark {proto.registry_name}", unit="run",
               disable=not progress, file=sys.stderr, dynamic_ncols=True)
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = [pool.submit(run_job, j, proto, n, threads, lock, logs) for j in todo]
        for fut in as_completed(futures):
            j = fut.result()
            if j.error:
                bar.write(f"failed: {j.label} seed {j.seed}: {j.error}")
            bar.update(1)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        raise
    pool.shutdown(wait=True)
    bar.close()
    return jobs
