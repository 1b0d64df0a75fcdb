"""The run driver: everything around the training core (``divgan.train.trainer``).

``Driver(core, run_dir, callbacks)`` schedules evaluation, checkpoints and figures, tracks the best
checkpoint, stops early, rolls back on NaN, handles SIGINT/SIGTERM and draws the progress bar. It talks
to the outside only through callbacks (``divgan.run.callbacks.Callback``): the figures, the report
page, TensorBoard and metrics.jsonl are callbacks that ``divgan train`` installs; the Python API takes
your own (``divgan.train(..., callbacks=[...])``) or none."""
from __future__ import annotations

from .callbacks import Callback, JsonlMetrics  # noqa: F401
from .driver import Driver  # noqa: F401
