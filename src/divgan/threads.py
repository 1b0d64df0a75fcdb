"""How many CPU threads a run uses when ``train.threads=0`` (auto), and backing off when the machine gets busy.

On a machine where another process keeps a core busy, an OpenMP team that wants every core waits at each
barrier for the thread that shares its core: a DCGAN step on 2 cores with one busy ran up to 60× slower with
2 threads than with 1 (issue 21). ``OMP_WAIT_POLICY=PASSIVE`` only helps part of it (measured: 2 threads
still 4× slower than 1) and must be set before torch loads OpenMP; ``torch.set_num_threads(1)`` alone removes
the collapse. So auto mode:

1. starts from the cores that are actually free: this process's CPU affinity (``os.sched_getaffinity``),
   capped by a cgroup CPU quota, minus the load measured on those cores over a short window of
   ``/proc/stat`` (:func:`free_cores`);
2. keeps measuring: :class:`ThreadTuner` times training steps and, now and then, tries half or twice the
   threads for a few steps, keeps whichever is faster, and backs off exponentially from probes that lose
   (a load that starts after the run, e.g. a second seed started alongside, is caught within ~20 steps).

Toy data always uses 1 thread (tiny models gain nothing from more). ``OMP_NUM_THREADS`` in the environment,
or ``train.threads=N``, fixes the count and turns the tuner off.
"""
from __future__ import annotations

import math
import os
import statistics
import time
from pathlib import Path
from typing import Callable

import torch


def allowed_cpus() -> list[int]:
    """The CPUs this process may run on."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return list(range(os.cpu_count() or 1))


def cgroup_limit(path: str = "/sys/fs/cgroup/cpu.max") -> float | None:
    """The cgroup v2 CPU quota in cores (``cpu.max`` = "QUOTA PERIOD"), or None without one."""
    try:
        quota, period = Path(path).read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)


def read_cpu_times(text: str | None = None) -> dict[int, tuple[int, int]]:
    """Per-CPU (busy, total) jiffies from ``/proc/stat`` (``text`` for tests)."""
    if text is None:
        try:
            text = Path("/proc/stat").read_text()
        except OSError:
            return {}
    out = {}
    for line in text.splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            v = [int(x) for x in fields[:8]]
            idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
            out[int(name[3:])] = (sum(v) - idle, sum(v))
    return out


def busy_fraction(before: dict, after: dict, cpus: list[int]) -> float:
    """Cores' worth of load on ``cpus`` between two :func:`read_cpu_times` samples (0 .. len(cpus))."""
    load = 0.0
    for c in cpus:
        if c in before and c in after:
            db, dt = after[c][0] - before[c][0], after[c][1] - before[c][1]
            load += db / dt if dt > 0 else 0.0
    return load


def decide(cpus: int, load: float, quota: float | None = None) -> int:
    """Threads for ``cpus`` allowed cores carrying ``load`` cores of others' work (and a cgroup ``quota``):
    the free cores, rounded so that a core busier than 70% counts as taken; at least 1."""
    n = cpus if quota is None else min(cpus, max(1, math.floor(quota)))
    return max(1, min(n, math.floor(n - load + 0.3)))


class OthersLoad:
    """Cores' worth of load from other processes on this process's CPUs since the previous call: the busy
    time in ``/proc/stat`` minus this process's own CPU time. Cheap (no sleeping); None on the first call."""

    def __init__(self):
        self.cpus, self.last = allowed_cpus(), None

    def __call__(self) -> float | None:
        sample = (read_cpu_times(), time.process_time(), time.monotonic())
        last, self.last = self.last, sample
        if last is None or not sample[0]:
            return None
        wall = sample[2] - last[2]
        if wall <= 0:
            return None
        return max(0.0, busy_fraction(last[0], sample[0], self.cpus) - (sample[1] - last[1]) / wall)


def free_cores(window: float = 0.2, sleep: Callable[[float], None] = time.sleep) -> int:
    """:func:`decide` on this machine, with the load measured over ``window`` seconds of ``/proc/stat``."""
    cpus = allowed_cpus()
    before = read_cpu_times()
    sleep(window)
    load = busy_fraction(before, read_cpu_times(), cpus) if before else 0.0
    return decide(len(cpus), load, cgroup_limit())


class ThreadTuner:
    """Times steps (``tick()`` once per training step) and moves the thread count to the faster setting.

    After a switch the first ``warmup`` intervals are dropped; ``probe`` intervals give a median. From
    ``current`` threads it tries ``current // 2`` (down) and ``2 * current`` capped at ``max_threads`` (up),
    each at its own schedule: the first try after ``first`` steps, the next ``period`` steps later, doubling
    after every try that loses (at most ``max_period``), back to ``period`` after one that wins. A try is
    adopted when its median step is ``margin`` faster, and cut short as soon as one of its steps takes
    ``abort`` × the current median (the 60× collapse costs one step, not a whole probe). A try up is made
    only when ``others_load()`` (cores' worth of other processes' load, :class:`OthersLoad`) leaves a core
    free for it, so a busy machine costs no tries. When the current
    count's median grows to twice its best (another job started), a try down is due at once."""

    def __init__(self, start: int, max_threads: int, *, set_threads: Callable[[int], None] = torch.set_num_threads,
                 clock: Callable[[], float] = time.perf_counter, warmup: int = 2, probe: int = 5, first: int = 10,
                 period: int = 100, max_period: int = 3200, margin: float = 0.9, abort: float = 3.0,
                 others_load: Callable[[], float | None] | None = None, log=None):
        self.current, self.max_threads = max(1, min(start, max_threads)), max_threads
        self.set_threads, self.clock, self.log = set_threads, clock, log or (lambda msg: None)
        self.warmup, self.probe, self.margin, self.abort = warmup, probe, margin, abort
        self.period, self.max_period = period, max_period
        self.wait = {"down": first, "up": first}  # steps between tries, per direction
        self.due = {"down": first, "up": first}  # the step of the next try
        self.steps, self.last, self.trying = 0, None, None
        self.baseline: float | None = None
        self.best: float | None = None  # the fastest median seen at the current count
        self.times: list[float] = []
        self.others_load = others_load or (lambda: None)
        self.others_load()  # starts its window
        self.set_threads(self.current)

    def _candidate(self, direction: str) -> int:
        return max(1, self.current // 2) if direction == "down" else min(self.max_threads, self.current * 2)

    def _switch(self, n: int) -> None:
        self.set_threads(n)
        self.times = []

    def tick(self) -> None:
        now = self.clock()
        dt, self.last = (None if self.last is None else now - self.last), now
        self.steps += 1
        if dt is None:
            return
        self.times.append(dt)
        if len(self.times) > self.warmup + self.probe:  # only the newest `probe` times after warm-up are read:
            del self.times[self.warmup]                 # O(1) memory and work per step, however long the run
        measured = self.times[self.warmup:]
        if self.trying is None:
            if len(measured) >= self.probe:
                self.baseline = statistics.median(measured[-self.probe:])
                self.best = min(self.best or self.baseline, self.baseline)
                if self.baseline > 2 * self.best and self.steps < self.due["down"]:  # the machine got busy
                    self.due["down"], self.wait["down"] = self.steps, self.period
                for direction in ("down", "up"):
                    n = self._candidate(direction)
                    if self.steps >= self.due[direction] and n != self.current:
                        if direction == "up":
                            load = self.others_load()
                            if load is not None and decide(self.max_threads, load) <= self.current:
                                self.due["up"] = self.steps + self.period  # no core free: no try
                                continue
                        self.trying = (direction, n)
                        self._switch(n)
                        return
            return
        direction, n = self.trying
        slow = self.baseline is not None and self.times[-1] > self.abort * self.baseline
        if len(measured) < self.probe and not slow:
            return
        won = not slow and statistics.median(measured) < self.margin * self.baseline
        self.wait[direction] = self.period if won else min(self.max_period, self.wait[direction] * 2)
        self.due[direction] = self.steps + self.wait[direction]
        if won:
            other = "up" if direction == "down" else "down"  # not straight back to where it came from
            self.due[other] = max(self.due[other], self.steps + max(self.wait[other], self.period))
            self.log(f"threads: {self.current} -> {n} ({self.baseline * 1e3:.1f} -> {statistics.median(measured) * 1e3:.1f} ms/step)")
            self.current, self.baseline = n, statistics.median(measured)
            self.best, self.times = self.baseline, []
        else:
            self._switch(self.current)
        self.trying = None


class FixedThreads:
    """A thread count that stays: ``tick()`` does nothing."""

    def __init__(self, n: int | None):
        self.current = n or torch.get_num_threads()
        if n:
            torch.set_num_threads(n)

    def tick(self) -> None:
        pass


def for_run(setting: int, kind: str, device: torch.device, log=None) -> ThreadTuner | FixedThreads:
    """The thread policy of a run: ``train.threads`` (N > 0: fixed), the data kind (toy: 1) and the device
    (not the CPU: torch's default, untouched). Auto on the CPU: :func:`free_cores`, then :class:`ThreadTuner`,
    unless ``OMP_NUM_THREADS`` is set, which torch already follows."""
    if device.type != "cpu":
        return FixedThreads(None)
    if setting or kind == "toy":
        return FixedThreads(setting or 1)
    if os.environ.get("OMP_NUM_THREADS"):
        return FixedThreads(None)
    cpus = len(allowed_cpus())
    return ThreadTuner(free_cores(), cpus, others_load=OthersLoad(), log=log)
