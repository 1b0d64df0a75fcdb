"""``divgan train --live``: the server and the publisher of one training process, opened before
training (so a port in use stops the command before any work) and closed after it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .publisher import Publisher
from .server import LiveServer


class LiveSession:
    """Serve ``run_path``'s page and publish into it; ``callbacks`` go to ``divgan.train``."""

    def __init__(self, run_path: Path, host: str, port: int, out=sys.stderr):
        self.server = LiveServer(run_path, host, port).start()  # a port in use fails here, before any work
        # the address is printed at the first step: a bad config still ends with its one line
        self.publisher = Publisher(run_path, on_start=lambda: self.server.announce(out))
        self.callbacks = [self.publisher]

    @classmethod
    def maybe(cls, run_path: Path, port: int | None, host: str | None) -> "LiveSession | None":
        """A session when ``--live`` was given, on the main process only (rank 0 under torchrun)."""
        if port is None or os.environ.get("RANK", "0") != "0":
            return None
        return cls(Path(run_path), host or "127.0.0.1", port)

    def close(self, summary: dict | None) -> None:
        """Publish the final status ("finished", "stopped" or "failed", the latter when ``summary``
        is None), then stop serving."""
        status = "failed" if summary is None else "stopped" if summary.get("interrupted") else "finished"
        trainer = getattr(self.publisher, "trainer", None)
        try:
            if trainer is not None:
                self.publisher.close(trainer, status)
        except Exception:
            if summary is not None:  # while training failed, its own error is the one to show
                raise
        finally:
            self.server.close()
