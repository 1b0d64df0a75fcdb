"""The auto thread policy: free cores from affinity, quota and /proc/stat; the tuner on a simulated machine."""
import pytest
import torch

from divgan import threads
from divgan.threads import FixedThreads, ThreadTuner, busy_fraction, decide, read_cpu_times

STAT = "cpu  10 0 10 80 0 0 0 0 0 0\ncpu0 {b0} 0 0 {i0} 0 0 0 0 0 0\ncpu1 {b1} 0 0 {i1} 0 0 0 0 0 0\nintr 1 2\n"


def test_busy_fraction_from_two_proc_stat_samples():
    before = read_cpu_times(STAT.format(b0=100, i0=100, b1=100, i1=100))
    after = read_cpu_times(STAT.format(b0=200, i0=100, b1=125, i1=175))  # cpu0 100% busy, cpu1 25%
    assert before[0] == (100, 200) and set(before) == {0, 1}
    assert busy_fraction(before, after, [0, 1]) == pytest.approx(1.25)
    assert busy_fraction(before, after, [1]) == pytest.approx(0.25)  # only the CPUs this process may use


@pytest.mark.parametrize("cpus, load, quota, expected", [
    (2, 0.0, None, 2),   # idle: every core
    (2, 1.0, None, 1),   # one core kept busy: 1 (2 threads collapse, issue 21)
    (2, 0.2, None, 2),   # a core 20% busy still counts as free
    (2, 0.6, None, 1),
    (2, 0.8, None, 1),
    (2, 3.5, None, 1),   # overloaded: never below 1
    (8, 2.0, None, 6),
    (8, 0.0, 2.5, 2),    # a cgroup quota of 2.5 cores
    (1, 0.0, None, 1),
])
def test_decide_counts_the_free_cores(cpus, load, quota, expected):
    assert decide(cpus, load, quota) == expected


def test_free_cores_uses_this_process_affinity(monkeypatch):
    samples = iter([STAT.format(b0=0, i0=100, b1=0, i1=100), STAT.format(b0=100, i0=100, b1=0, i1=200)])
    monkeypatch.setattr(threads, "read_cpu_times", lambda text=None: read_cpu_times(next(samples)))
    monkeypatch.setattr(threads, "cgroup_limit", lambda: None)
    monkeypatch.setattr(threads, "allowed_cpus", lambda: [0, 1])
    assert threads.free_cores(sleep=lambda s: None) == 1  # cpu0 is busy
    samples = iter([STAT.format(b0=0, i0=100, b1=0, i1=100), STAT.format(b0=100, i0=100, b1=0, i1=200)])
    monkeypatch.setattr(threads, "allowed_cpus", lambda: [1])
    assert threads.free_cores(sleep=lambda s: None) == 1  # pinned to the idle cpu1: the one core it has


def test_cgroup_limit(tmp_path):
    (tmp_path / "a").write_text("150000 100000\n")
    (tmp_path / "b").write_text("max 100000\n")
    assert threads.cgroup_limit(str(tmp_path / "a")) == 1.5
    assert threads.cgroup_limit(str(tmp_path / "b")) is None and threads.cgroup_limit(str(tmp_path / "c")) is None


class Machine:
    """A fake clock: a step at n threads takes ``cost(n, step)`` seconds."""

    def __init__(self, cost):
        self.cost, self.now, self.n, self.step, self.history = cost, 0.0, None, 0, []

    def set_threads(self, n):
        self.n = n

    def clock(self):
        return self.now

    def run(self, tuner, steps):
        for _ in range(steps):
            self.now += self.cost(self.n, self.step)
            self.history.append(self.n)
            self.step += 1
            tuner.tick()
        return self.now


def idle(n, step):  # 2 threads 1.7× faster
    return 1.0 if n == 1 else 1 / 1.7


def busy(n, step):  # one core busy: 2 threads 60× slower than 1
    return 1.0 if n == 1 else 60.0


def test_tuner_keeps_two_threads_on_an_idle_machine():
    m = Machine(idle)
    t = ThreadTuner(2, 2, set_threads=m.set_threads, clock=m.clock)
    total = m.run(t, 2000)
    assert t.current == 2 and total < 1.05 * 2000 / 1.7  # the probes at 1 thread cost under 5%


def test_tuner_climbs_to_two_threads_when_started_busy_on_an_idle_machine():
    m = Machine(idle)
    t = ThreadTuner(1, 2, set_threads=m.set_threads, clock=m.clock)
    m.run(t, 100)
    assert t.current == 2 and m.history[-50:] == [2] * 50


@pytest.mark.parametrize("seen", ["busy", "unknown"])
def test_tuner_stays_at_one_thread_on_a_busy_machine_and_probing_costs_little(seen):
    m = Machine(busy)
    load = {"busy": lambda: 1.0, "unknown": lambda: None}[seen]  # unknown: no /proc/stat
    t = ThreadTuner(1, 2, set_threads=m.set_threads, clock=m.clock, others_load=load)
    total = m.run(t, 2000)
    assert t.current == 1
    if seen == "busy":
        assert m.history.count(2) == 0 and total == 2000  # a busy core seen: no try up at all
    else:  # each try up ends after its first 60× step, and tries grow rarer
        assert m.history.count(2) <= 8 and total < 1.3 * 2000


def test_tuner_leaves_two_threads_when_a_core_gets_busy_mid_run():
    m = Machine(lambda n, step: idle(n, step) if step < 300 else busy(n, step))
    t = ThreadTuner(2, 2, set_threads=m.set_threads, clock=m.clock)
    m.run(t, 600)
    assert t.current == 1
    assert m.history[300:].count(2) < 25  # caught within ~20 steps
    assert m.now < 1.3 * (300 / 1.7 + 300) + 20 * 60


def test_fixed_threads_and_toy_runs_use_what_they_are_told(monkeypatch):
    old = torch.get_num_threads()
    try:
        assert threads.for_run(1, "image", torch.device("cpu")).current == 1 and torch.get_num_threads() == 1
        assert isinstance(threads.for_run(0, "toy", torch.device("cpu")), FixedThreads) and torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert isinstance(threads.for_run(0, "image", torch.device("cpu")), FixedThreads)
        monkeypatch.delenv("OMP_NUM_THREADS")
        monkeypatch.setattr(threads, "free_cores", lambda: 1)
        tuner = threads.for_run(0, "image", torch.device("cpu"))
        assert isinstance(tuner, ThreadTuner) and tuner.current == 1 and tuner.max_threads == len(threads.allowed_cpus())
    finally:
        torch.set_num_threads(old)


def test_the_tuner_keeps_constant_state_per_step():
    """tick() runs every training step: it keeps only the times it reads (no list growing with the run)."""
    from divgan.threads import ThreadTuner

    t = ThreadTuner(1, 1, set_threads=lambda n: None, clock=iter(range(10**6)).__next__)
    for _ in range(5000):
        t.tick()
    assert len(t.times) == t.warmup + t.probe
