"""The live training page (issue 22): watch a run learn in the browser while it trains.

- ``publisher.Publisher``: a training callback (``on_step``, ``on_evaluate``, ``close``) that writes
  ``live/state.json`` and the figure data (``live/points.json`` for 2-D toys, ``live/grid.png`` for
  images) into the run directory at a bounded rate, atomically, and reads ``live/control.json``
  (pause / resume / stop) once per step at most every 0.1 s.
- ``server.LiveServer``: the standard library's ``ThreadingHTTPServer`` in a daemon thread; serves the
  page (``static/``) and the run's own small files only; the control endpoints need the per-server
  token and deliver the action through ``live/control.json``, so ``divgan watch RUN_DIR`` in another
  terminal can control a run too.

Safety rules: docs/live.md. The training loop never waits for the page: the server reads files only.
"""
from __future__ import annotations

from .publisher import Publisher
from .server import DEFAULT_PORT, LiveServer

__all__ = ["DEFAULT_PORT", "LiveServer", "Publisher"]
