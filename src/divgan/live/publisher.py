"""The training side of the live page: publish a run's state at a bounded rate, obey the page's buttons.

``Publisher.on_step(trainer)`` is called after every training step. It costs two clock reads unless
a deadline has passed: at most every ``interval`` seconds it writes ``live/state.json`` (step, steps/s,
ETA, loss curves, metrics rows, config); figure data (``live/points.json`` for 2-D toys, ``live/grid.png``
for images) is written at every evaluation and at a pause, otherwise at most every ``figure_every``
seconds. Both only while publishing has cost at most ``cpu_share`` (1%) of the training thread's CPU
time so far: a slow figure (a 64-image grid) or a busy machine makes the page update less often, never
the run slower. Every file is written to a temporary name and renamed, so a reader never sees half a file.

Control: the server (or ``divgan watch`` in another terminal) writes ``live/control.json`` =
``{"action": "pause" | "resume" | "stop"}``; the publisher stats it at most every 0.1 s. Pause keeps
the loop in ``on_step`` (sleep-polling, publishing "paused") without advancing; stop sets the trainer's
``stop_signal`` (as SIGINT does), so the loop ends after the step with a checkpoint.
"""
from __future__ import annotations

import json
import os
import signal
import time
from collections import deque
from pathlib import Path

import torch

from ..io import atomic_write_bytes
from ..models.conditioning import sample_latent
from ..run.callbacks import Callback

CONTROL_POLL_S = 0.1
MAX_POINTS = 400  # loss-curve points kept per series (bucket means)


def atomic_write(path: Path, data: bytes) -> None:
    atomic_write_bytes(path, data, "live page file", durable=False)


class Curve:
    """A growing series kept as at most ``MAX_POINTS`` bucket means: appending is O(new values);
    when the buckets run out, neighbours merge and the bucket size doubles."""

    def __init__(self):
        self.size, self.xs, self.ys, self.seen = 1, [], [], 0
        self._acc, self._n = 0.0, 0

    def update(self, values: list[float]) -> None:
        if len(values) < self.seen:  # a rollback or resume shortened the history
            self.__init__()
        for v in values[self.seen:]:
            self._acc += v
            self._n += 1
            if self._n == self.size:
                self.xs.append(self.seen + 1)
                self.ys.append(self._acc / self._n)
                self._acc, self._n = 0.0, 0
                if len(self.ys) >= MAX_POINTS:
                    self.xs = self.xs[1::2]
                    self.ys = [(a + b) / 2 for a, b in zip(self.ys[0::2], self.ys[1::2])]
                    self.size *= 2
            self.seen += 1

    def to_json(self) -> dict:
        return {"x": self.xs, "y": [round(y, 5) for y in self.ys]}


class RunView:
    """What the page reads of a run: the training core's attributes, with the driver's metrics log and
    clock (``metrics_log``, ``elapsed``) and the driver itself (``driver``)."""

    def __init__(self, driver):
        self.driver = driver

    def __getattr__(self, name):
        return getattr(self.driver, name) if name in ("metrics_log", "elapsed", "core") else getattr(self.driver.core, name)


class Publisher(Callback):
    """Writes ``RUN_DIR/live/*`` for the page and reads ``live/control.json``; see the module docstring.
    A run-driver callback: pause blocks inside ``on_step``; stop acts like SIGINT (checkpoint, exit)."""

    def __init__(self, run_path: Path, interval: float = 0.5, figure_every: float = 1.0, cpu_share: float = 0.01,
                 clock=time.monotonic, cpu_clock=time.thread_time, on_start=None):
        self.dir = Path(run_path) / "live"
        self.announce = on_start  # called once, at the first step (e.g. print the page's address)
        self.interval, self.figure_every, self.cpu_share = interval, figure_every, cpu_share
        self.clock, self.cpu_clock = clock, cpu_clock
        self.cpu_spent = 0.0  # CPU seconds of the training thread spent publishing
        self.curves = {k: Curve() for k in ("d_loss", "g_loss", "value")}
        self.rates: deque = deque(maxlen=8)
        self.started = False
        self.paused = False
        self.stopped_by_page = False
        self.figure_seq = 0
        self.writes = 0
        self._next_state = self._next_figure = self._next_poll = 0.0
        self._control_mtime: int | None = None

    # ------------------------------------------------------------------ callbacks
    def on_step(self, driver) -> None:
        self._step(self._view(driver))

    def on_evaluate(self, driver, row: dict | None = None, samples=None) -> None:
        self.publish(self._view(driver), figures=True)

    def _view(self, driver) -> RunView:
        if getattr(self, "_run_view", None) is None or self._run_view.driver is not driver:
            self._run_view = RunView(driver)
        return self._run_view

    def _step(self, trainer) -> None:
        now = self.clock()
        if not self.started:
            self._start(trainer)
        if now >= self._next_poll:
            self._next_poll = now + CONTROL_POLL_S
            self._poll_control(trainer)
            while self.paused and trainer.stop_signal is None:  # pause: sleep-poll without advancing
                time.sleep(0.05)
                self._poll_control(trainer)
                if self.clock() >= self._next_state:
                    self.publish(trainer)
        if now >= self._next_state and self._within_budget():
            self.publish(trainer, figures=now >= self._next_figure)

    def _within_budget(self) -> bool:
        """Whether publishing so far has cost at most ``cpu_share`` of the training thread's CPU time
        (a busy machine stretches wall time: the page then updates less often, never the run slower)."""
        return self.cpu_spent <= self.cpu_share * (self.cpu_clock() - self.cpu0)

    def close(self, trainer, status: str = "finished") -> None:
        """The final state ("finished", "stopped" or "failed"); the page stops its buttons."""
        if self.started:
            self.publish(trainer, figures=status == "finished", status=status)

    # ------------------------------------------------------------------ control
    def _start(self, trainer) -> None:
        self.trainer = trainer  # for the final state written by LiveSession.close
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_control("resume")  # an old "stop" or "pause" must not act on a resumed run
        self.started = True
        self.cpu0 = self.cpu_clock()
        if self.announce:
            self.announce()

    def _write_control(self, action: str) -> None:
        atomic_write(self.dir / "control.json", json.dumps({"action": action, "time": time.time()}).encode())
        self._control_mtime = (self.dir / "control.json").stat().st_mtime_ns

    def _poll_control(self, trainer) -> None:
        path = self.dir / "control.json"
        try:
            mtime = path.stat().st_mtime_ns
            if mtime == self._control_mtime:
                return
            self._control_mtime = mtime
            action = json.loads(path.read_text()).get("action")
        except (OSError, ValueError, AttributeError):
            return
        if action == "pause" and not self.paused:
            self.paused = True
            self.publish(trainer, figures=True)  # the paused page shows the paused step's figures
        elif action == "resume" and self.paused:
            self.paused = False
            self.rates.clear()  # steps/s restarts after a pause
        elif action == "stop":
            self.paused = False
            if trainer.stop_signal is None:
                trainer.core.stop_signal = int(signal.SIGINT)
                self.stopped_by_page = True

    # ------------------------------------------------------------------ publishing
    def publish(self, trainer, figures: bool = False, status: str | None = None) -> None:
        """Write state.json (and the figure data when ``figures``); a full disk or a removed folder
        costs the page its updates, never the run (one warning)."""
        now, cpu = self.clock(), self.cpu_clock()
        self._next_state = now + self.interval
        try:
            if figures:
                self._write_figures(trainer)
                self._next_figure = now + self.figure_every
            atomic_write(self.dir / "state.json", json.dumps(self.state(trainer, now, status)).encode())
            self.writes += 1
            self.cpu_spent += self.cpu_clock() - cpu
        except OSError as e:
            if not getattr(self, "_warned", False):
                self._warned = True
                trainer.log(f"warning: live page: cannot write {self.dir} ({e.strerror or e}); the page stops updating")

    def state(self, trainer, now: float, status: str | None = None) -> dict:
        cfg, step = trainer.cfg, trainer.step
        if not self.paused:
            self.rates.append((now, step))
        rate = None
        if len(self.rates) >= 2 and self.rates[-1][0] > self.rates[0][0]:
            rate = (self.rates[-1][1] - self.rates[0][1]) / (self.rates[-1][0] - self.rates[0][0])
        for k, c in self.curves.items():
            c.update(trainer.losses[k])
        last = trainer.metrics_log[-1] if trainer.metrics_log else {}
        return {
            "status": status or ("paused" if self.paused else "running"),
            "pid": os.getpid(), "time": time.time(),
            "step": step, "steps": cfg.train.steps, "steps_per_s": rate,
            "eta_s": (cfg.train.steps - step) / rate if rate else None,
            "elapsed_s": round(trainer.elapsed, 2),
            "curves": {k: c.to_json() for k, c in self.curves.items()},
            "metrics": trainer.metrics_log,
            "modes": {"covered": last["modes"], "total": last["modes_total"]} if "modes" in last else None,
            "kind": trainer.data.kind, "figure_seq": self.figure_seq,
            "figure": "points" if _is_2d_toy(trainer) else "grid" if trainer.data.kind == "image" else None,
            "config": self._config(trainer),
        }

    def _config(self, trainer) -> dict:
        if not hasattr(self, "_config_cache"):
            self._config_cache = {**config_summary(trainer), "yaml": trainer.cfg.to_yaml()}
        return self._config_cache

    def _write_figures(self, trainer) -> None:
        if _is_2d_toy(trainer):
            atomic_write(self.dir / "points.json", json.dumps(toy_points(trainer)).encode())
        elif trainer.data.kind == "image":
            from ..viz import grids

            tmp = self.dir / f".grid.tmp-{os.getpid()}.png"
            grids.save_grid(trainer.sample(len(trainer.fixed_z), z=trainer.fixed_z), tmp, min_width=0)  # the page scales it
            os.replace(tmp, self.dir / "grid.png")
        else:
            return
        self.figure_seq += 1


def _is_2d_toy(trainer) -> bool:
    return trainer.data.kind == "toy" and getattr(trainer.data, "dim", 0) == 2


def config_summary(trainer) -> dict:
    """The few settings the page shows in its header."""
    cfg, tricks = trainer.cfg, list(trainer.tricks.active)
    return {
        "data": _name(cfg.data), "objective": _name(cfg.objective), "generator": _name(cfg.generator),
        "discriminator": _name(cfg.discriminator), "optim": f"{cfg.optim.name} lr_g={cfg.optim.lr_g:g} lr_d={cfg.optim.lr_d:g}",
        "batch_size": cfg.train.batch_size, "d_steps": cfg.train.d_steps, "seed": cfg.seed,
        "tricks": ", ".join(tricks) or "none",
    }


def _name(section) -> str:
    return section.get("name", "?") if isinstance(section, dict) else getattr(section, "name", "?")


def _flat(t: torch.Tensor, nd: int = 3) -> list[float]:
    return [round(v, nd) for v in t.reshape(-1).tolist()]


@torch.no_grad()
def toy_points(trainer, n: int = 500, grid: int = 48, lines: int = 15) -> dict:
    """What the toy panels draw: real and generated samples (the same noise every time, so points
    move smoothly), σ(D(x)) on a grid × grid lattice, and G's image of a lines × lines grid in the
    first two noise dimensions (others 0)."""
    data = trainer.data
    lo, hi = data.bounds()
    lo, hi = min(lo), max(hi)
    g = torch.Generator().manual_seed(trainer.cfg.seed + 11)
    fake = trainer.sample(n, z=sample_latent(trainer.G, n, g))
    real = data.sample(n, torch.Generator().manual_seed(trainer.cfg.seed + 13))
    real = real[0] if isinstance(real, tuple) else real
    xs = torch.linspace(lo, hi, grid)
    gy, gx = torch.meshgrid(xs, xs, indexing="ij")
    d = torch.sigmoid(trainer.D_eval(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)))
    zs = torch.linspace(-2.5, 2.5, lines)
    zy, zx = torch.meshgrid(zs, zs, indexing="ij")
    codes = getattr(trainer.G, "codes", None)  # InfoGAN codes: one drawn value of each, the same for every point
    z = sample_latent(trainer.G, 1, g).repeat(lines * lines, 1)
    noise_dim = trainer.G.latent_dim if codes is None else codes.noise_dim
    z[:, :noise_dim] = 0
    z[:, 0] = zx.reshape(-1)
    if noise_dim > 1:
        z[:, 1] = zy.reshape(-1)
    mapped = trainer.sample(len(z), z=z)
    means = getattr(data, "means", None)
    return {"step": trainer.step, "bounds": [lo, hi], "real": _flat(real.float()), "fake": _flat(fake.float()),
            "d": {"n": grid, "values": _flat(d.float())}, "noise_grid": {"n": lines, "points": _flat(mapped.float())},
            "means": _flat(torch.as_tensor(means).float()) if means is not None else []}
