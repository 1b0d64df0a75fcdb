"""Callbacks: how a training run talks to the outside (files, figures, loggers, a live page).

Subclass ``Callback`` and override what you need; every method gets the ``Driver`` first, whose
``driver.core`` is the training core (``G``, ``D``, ``step``, ``sample()``, ``losses``, ``cfg``, ...)::

    class PrintFid(Callback):
        def on_evaluate(self, driver, row, samples):
            print(driver.core.step, row.get("fid"))

    divgan.train("mnist-dcgan", callbacks=[PrintFid()], save=False)

Hooks (on the main process only): ``on_start`` before the first step; ``on_step`` after every step
(keep it cheap: it runs thousands of times); ``on_evaluate(row, samples)`` after each evaluation with
the metrics row and the evaluation samples; ``on_checkpoint(path)`` after a checkpoint is written;
``on_restore(path)`` after the run was loaded from a checkpoint (resume or NaN rollback: drop what
came after it); ``on_finish(summary)`` at the end (may add ``summary["figures"]``). A callback may set
``driver.paused = True`` (the loop waits before the next step) or call ``driver.request_stop()``
(every rank stops after the next step, checkpoints and returns).

A callback with a ``key`` has its ``state_dict()`` saved in every checkpoint and given back to
``load_state_dict`` on resume. Callbacks must not draw from the training RNGs (``core.sample`` uses
its own): a run is bit-identical with and without them."""
from __future__ import annotations

from pathlib import Path


class Callback:
    key: str | None = None  # set to keep state in checkpoints

    def on_start(self, driver) -> None:
        pass

    def on_step(self, driver) -> None:
        pass

    def on_evaluate(self, driver, row: dict, samples) -> None:
        pass

    def on_checkpoint(self, driver, path: Path) -> None:
        pass

    def on_restore(self, driver, path: Path) -> None:
        pass

    def on_finish(self, driver, summary: dict) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class JsonlMetrics(Callback):
    """Every evaluation row as one JSON line in ``RUN_DIR/metrics.jsonl``; rows after the checkpoint
    a run is restored from are dropped."""

    def __init__(self, run_dir):
        self.run = run_dir

    def on_evaluate(self, driver, row, samples):
        self.run.append_metrics(row)

    def on_restore(self, driver, path):
        self.run.rewrite_metrics([r for r in self.run.read_metrics() if r.get("step", 0) <= driver.core.step])
