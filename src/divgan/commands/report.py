"""``divgan report RUN_DIR``: (re)write a run's self-contained report.html from its directory."""
from __future__ import annotations

from pathlib import Path

from . import command


@command("report")
class Report:
    help = "rewrite RUN_DIR/report.html (metrics, curves, figures, checkpoints, config) from the run directory"

    @staticmethod
    def configure(p):
        p.add_argument("run_dir", nargs="+", help="one or more run directories")

    @staticmethod
    def run(args) -> int:
        from ..train.rundir import RunDir
        from ..viz.report import write_report

        for d in args.run_dir:
            run = RunDir.open(Path(d))
            print(write_report(run.path))
        return 0
