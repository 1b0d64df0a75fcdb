"""The run driver: the schedule around the training core.

    while step < train.steps:
        core.train_step()                      # Algorithm 1 (divgan.train.trainer)
        every eval.every steps:  evaluate -> metrics row -> callbacks.on_evaluate; best.pt; early stop
        every train.checkpoint_every steps:  checkpoints/step_N.pt -> callbacks.on_checkpoint

NaN/Inf losses or weights roll back to the last checkpoint with lower learning rates (``train.on_nan``);
SIGINT/SIGTERM finish the step, checkpoint and return. Without a run directory nothing is written;
without callbacks nothing is drawn or logged. The driver's own state (metrics rows, best, rollbacks,
elapsed time, callbacks' state) goes into each checkpoint beside the core's."""
from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from ..data import describe
from ..errors import DivganError
from ..metrics import METRICS, MetricContext, metrics_for
from ..train import checkpoint, distributed
from ..train.trainer import NonFiniteError, Trainer, TrainingDiverged
from ..train.rundir import RunDir
from .callbacks import Callback


class Driver:
    """Runs a core (``divgan.train.trainer.Trainer``) to ``train.steps``: ``fit()`` -> summary dict."""

    def __init__(self, core: Trainer, run: RunDir | None = None, callbacks: list[Callback] | tuple = (), log=None):
        self.core, self.run, self.callbacks = core, run, list(callbacks)
        self.cfg = core.cfg
        self.log = log or core.log
        self.metric_names = metrics_for(self.cfg.eval.metrics, core.data.kind)
        self.context = MetricContext.of(core, self.log)
        self.metrics_log: list[dict] = []
        self.best: dict | None = None
        self.evals_since_best = 0
        self.rollbacks = 0
        self.elapsed = 0.0
        self.paused = False  # a callback may pause the loop (e.g. a live page); the loop waits

    @property
    def stop_requested(self) -> bool:
        return self.core.stop_requested

    def request_stop(self) -> None:
        """Stop after the next step (the request travels with that step's losses, so every rank under
        torchrun stops at the same step): checkpoint, call ``on_finish``, return the summary
        (``stop_requested: true``)."""
        self.core.stop_requested = True

    def _emit(self, hook: str, *args) -> None:
        if self.core.dist.is_main:
            for cb in self.callbacks:
                getattr(cb, hook)(self, *args)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self) -> dict:
        """Sample, score every metric, tell the callbacks. Evaluation runs on forked random states: a
        metric or figure that draws random numbers (subsets, jitter) never changes the training's
        stream, so a run is the same with any metrics, and resumes bit-exactly."""
        core = self.core
        distributed.sync_buffers(core.G, core.D)  # every rank evaluates the same model
        cuda = [core.device] if core.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            labels = core.asked_labels(self.cfg.eval.n_samples)  # conditional runs: every class in turn
            samples = core.sample(self.cfg.eval.n_samples, labels=labels)
            self.context.step, self.context.labels = core.step, labels
            row = {"step": core.step, "d_loss": core.recent("d_loss"), "g_loss": core.recent("g_loss"), "value": core.recent("value")}
            for name in self.metric_names:
                row.update(METRICS[name](self.context, samples))
            self.metrics_log.append(row)
            self._emit("on_evaluate", row, samples)
        self._track_best(row)
        return row

    def _track_best(self, row: dict) -> None:
        key, e = self.cfg.eval.best_metric, self.cfg.eval
        if key and key not in row and not self.metrics_log[:-1]:  # a typo would otherwise never write best.pt
            numeric = sorted(k for k, v in row.items() if isinstance(v, (int, float)) and k != "step")
            raise DivganError(f"eval.best_metric: this run has no metric {key!r}; it has: {', '.join(numeric)}")
        if not key or not isinstance(row.get(key), (int, float)):
            return
        better = self.best is None or (row[key] > self.best["value"] if e.best_mode == "max" else row[key] < self.best["value"])
        if better:
            self.best = {"metric": key, "value": row[key], "step": self.core.step}
            self.evals_since_best = 0
            self.save_checkpoint(best=True)
        else:
            self.evals_since_best += 1

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """The core's state, the driver's, the callbacks' and ``meta`` (what sampling needs without the data)."""
        return {**self.core.state_dict(),
                "metrics_log": json.dumps(self.metrics_log), "best": json.dumps(self.best),
                "evals_since_best": self.evals_since_best, "rollbacks": self.rollbacks, "elapsed": self.elapsed,
                "callbacks": {cb.key: cb.state_dict() for cb in self.callbacks if cb.key},
                "meta": {"config": self.cfg.to_yaml(), "data": describe(self.core.data, self.cfg.data)}}

    def load_state_dict(self, s: dict) -> None:
        self.core.load_state_dict(s)
        self.metrics_log = json.loads(s["metrics_log"])
        self.best = json.loads(s["best"])
        self.evals_since_best = int(s["evals_since_best"])
        self.rollbacks = int(s["rollbacks"])
        self.elapsed = float(s["elapsed"])
        saved = s.get("callbacks", {})
        for cb in self.callbacks:
            if cb.key:
                cb.load_state_dict(saved.get(cb.key) or ({"snapshots": s["snapshots"]} if "snapshots" in s else {}))

    def restore(self, state: dict, path: Path) -> None:
        try:
            self.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise DivganError(f"checkpoint {path} does not match this run's config ({str(e).splitlines()[0][:160]})") from None

    def save_checkpoint(self, best: bool = False) -> Path | None:
        """``checkpoints/step_N.pt`` (or ``best.pt``); every rank calls it, rank 0 writes. Non-finite
        weights are never written: the divergence guard runs instead."""
        if not self.run:
            return None
        if not self.core.weights_finite():
            self.on_nan(f"weights became non-finite at step {self.core.step}")
            return None
        distributed.sync_buffers(self.core.G, self.core.D)
        state = self.state_dict()
        if not self.core.dist.is_main:
            return None
        if best:
            path = checkpoint.atomic_save({**state, "format": checkpoint.FORMAT}, self.run.checkpoints / "best.pt")
        else:
            path = checkpoint.save_step(state, self.run.checkpoints, self.core.step, self.cfg.train.keep_last)
        self._emit("on_checkpoint", path)
        return path

    def resume(self, fallback: bool = False) -> Path:
        """Load the newest checkpoint (a damaged newest one: an error, or with ``fallback`` the newest
        usable one, said in one line); drop what came after it (callbacks' ``on_restore``)."""
        state, path = checkpoint.load_latest(self.run.checkpoints, fallback=fallback, warn=self.log)
        ranks = len(state.get("ranks", ()))
        if ranks != self.core.dist.world_size:
            raise DivganError(f"checkpoint {path} was written by {ranks} process(es); resume with the same number "
                              f"(torchrun --nproc_per_node={ranks} -m divgan train --resume ...)")
        self.restore(state, path)
        distributed.barrier()  # every rank has read its checkpoint before rank 0 tidies the folder
        if self.core.dist.is_main:
            checkpoint.remove_temporaries(self.run.checkpoints)
        self._emit("on_restore", path)
        return path

    def on_nan(self, why: str) -> None:
        """The divergence guard: roll back to the last good checkpoint (lowering the learning rate)
        or stop, as ``train.on_nan`` says; a NaN state is never written."""
        t, core = self.cfg.train, self.core
        ckpts = checkpoint.step_checkpoints(self.run.checkpoints) if self.run else []
        if t.on_nan == "stop" or not ckpts or self.rollbacks >= t.max_rollbacks:
            raise TrainingDiverged(f"{why}; stopped (rollbacks used: {self.rollbacks}/{t.max_rollbacks}). Try lower optim.lr_g / optim.lr_d")
        rollbacks, scale = self.rollbacks + 1, core.lr_scale * t.nan_lr_factor
        path = self.resume(fallback=True)
        self.rollbacks = rollbacks
        core.set_lr_scale(scale)
        self.log(f"warning: {why}; rolled back to {path.name}, learning rates ×{scale:g}")

    # ------------------------------------------------------------------ the loop
    def fit(self) -> dict:
        core, t, e = self.core, self.cfg.train, self.cfg.eval
        handlers = _catch_signals(core)
        try:
            if self.run and core.step == 0:
                self.save_checkpoint()  # step 0: a NaN rollback or a kill -9 always has somewhere to go
            self._emit("on_start")
        except BaseException:
            _restore_signals(handlers)
            raise
        start = time.time() - self.elapsed
        main = core.dist.is_main
        bar = tqdm(total=t.steps, initial=core.step, disable=not (t.progress and main), dynamic_ncols=True,
                   desc="train", unit="step", file=sys.stderr, mininterval=0.5)
        write = bar.write if main else (lambda text: None)
        stopped_early = False
        try:
            while core.step < t.steps and not core.stopping and not core.stop_agreed:
                while self.paused and not self.stop_requested and core.stop_signal is None:
                    time.sleep(0.05)
                before = core.step
                try:
                    core.train_step()
                except NonFiniteError as err:
                    self.on_nan(str(err))
                bar.update(core.step - bar.n)
                if core.step <= before:  # the divergence guard rolled back: nothing new to evaluate or save
                    continue
                if core.step % 50 == 0:
                    bar.set_postfix(d=f"{core.recent('d_loss', 50):.3f}", g=f"{core.recent('g_loss', 50):.3f}", refresh=False)
                self.elapsed = time.time() - start
                self._emit("on_step")
                last = core.step == t.steps or self._out_of_time()  # train.steps or the train.minutes budget
                if core.step % e.every == 0 or last:
                    row = self.evaluate()
                    write(_row_text(row))
                    if e.early_stop_patience and self.evals_since_best >= e.early_stop_patience:
                        write(f"early stop: {e.best_metric} has not improved for {e.early_stop_patience} evaluations")
                        stopped_early = True
                        break
                if core.step % t.checkpoint_every == 0 or last:
                    self.save_checkpoint()
                if last:
                    break
        finally:
            bar.close()
            _restore_signals(handlers)
        if core.stopping:
            self.save_checkpoint()
            return {"interrupted": True, "signal": core.stop_signal or int(signal.SIGTERM), "step": core.step}
        requested = core.stop_agreed and core.step < t.steps
        if stopped_early or requested:
            self.save_checkpoint()
        return self.finish(stopped_early, requested=requested)

    def _out_of_time(self) -> bool:
        """``train.minutes`` spent (0 = no budget); under torchrun every rank stops at the same step."""
        minutes = self.cfg.train.minutes
        if not minutes:
            return False
        spent = float(self.elapsed >= 60 * minutes)
        return bool(distributed.all_reduce_mean(torch.tensor([spent], device=self.core.device)).item() > 0)

    def finish(self, stopped_early: bool = False, requested: bool = False) -> dict:
        summary = {"steps": self.core.step, "seconds": round(self.elapsed, 2), "stopped_early": stopped_early,
                   "final": self.metrics_log[-1] if self.metrics_log else {}, "best": self.best}
        if requested:
            summary["stop_requested"] = True
        self._emit("on_finish", summary)
        if self.run and self.core.dist.is_main:
            self.run.write_summary(summary)
        return summary


def _row_text(row: dict) -> str:
    parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if v is not None]
    return "  ".join(parts)


def _catch_signals(core: Trainer):
    """SIGINT/SIGTERM: finish the current step, checkpoint, return. A second signal aborts a single
    process; under torchrun it is ignored (Ctrl-C reaches each worker twice, from the terminal and
    from the launcher, which kills workers itself if they do not exit in time)."""

    def handler(signum, _frame):
        if core.stop_signal is not None:
            if core.dist.enabled:
                return
            raise KeyboardInterrupt
        core.stop_signal = signum

    old = {}
    with contextlib.suppress(ValueError):  # not in the main thread
        for s in (signal.SIGINT, signal.SIGTERM):
            old[s] = signal.signal(s, handler)
    return old


def _restore_signals(old) -> None:
    for s, h in old.items():
        signal.signal(s, h)
