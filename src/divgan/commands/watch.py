"""``divgan watch RUN_DIR [--port P] [--host H]``: the live page of a run that is training in another
terminal (started with ``divgan train --live``) or has finished; its buttons control a live run."""
from __future__ import annotations

import sys
import time

from . import command


@command("watch")
class Watch:
    help = "serve the live page of a run directory (a run training elsewhere with --live, or a finished one)"

    @staticmethod
    def configure(p):
        p.add_argument("run_dir")
        p.add_argument("--port", type=int, default=8765, help="port (default 8765, 0 = any free port)")
        p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1; another one shares the page and warns)")

    @staticmethod
    def run(args) -> int:
        from ..live import LiveServer
        from ..train.rundir import RunDir

        run = RunDir.open(args.run_dir)
        server = LiveServer(run.path, args.host, args.port).start()
        if not (run.path / "live" / "state.json").is_file():
            print(f"note: {run.path} has no live/state.json yet (it was not trained with --live); the page waits for it", file=sys.stderr)
        server.announce(sys.stdout)
        print("Ctrl-C to stop serving (the run itself is not affected)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        return 0
