"""The run directory contract: config.yaml, metrics.jsonl, summary.json, checkpoints/, samples/, report.html."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import DivganError
from ..io import atomic_write_text

RUN_MARKERS = ("config.yaml", "metrics.jsonl", "checkpoints")
EVALUATION_FILE = "evaluation.json"  # written by `divgan evaluate`, shown by the report


def is_run(path: Path) -> bool:
    path = Path(path)
    return (path / "config.yaml").is_file() and ((path / "checkpoints").is_dir() or (path / "metrics.jsonl").exists())


class RunDir:
    """Paths and small writers of one run directory."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.config = self.path / "config.yaml"
        self.metrics = self.path / "metrics.jsonl"
        self.summary = self.path / "summary.json"
        self.checkpoints = self.path / "checkpoints"
        self.samples = self.path / "samples"
        self.report = self.path / "report.html"

    @classmethod
    def create(cls, path: Path, config_yaml: str, force: bool = False) -> "RunDir":
        """A fresh run directory; refuses to overwrite an existing run unless ``force``, and never
        deletes a folder that is not a divgan run."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise DivganError(f"--out {path} exists and is not a directory")
        if path.is_dir() and any(path.iterdir()):
            if not is_run(path):
                raise DivganError(f"--out {path} is a non-empty folder that is not a divgan run; choose another --out")
            if not force:
                raise DivganError(f"--out {path} already holds a run; continue it with --resume {path}, or pass --force to replace it")
            shutil.rmtree(path)
        run = cls(path)
        run.samples.mkdir(parents=True, exist_ok=True)
        run.checkpoints.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run.config, config_yaml)
        run.metrics.touch()
        return run

    @classmethod
    def open(cls, path: Path) -> "RunDir":
        path = Path(path)
        if not path.is_dir():
            raise DivganError(f"run directory not found: {path}")
        if not is_run(path):
            raise DivganError(f"{path} is not a divgan run (no config.yaml with checkpoints/ or metrics.jsonl)")
        return cls(path)

    def append_metrics(self, row: dict) -> None:
        with open(self.metrics, "a") as fh:
            fh.write(json.dumps(row) + "\n")

    def read_metrics(self) -> list[dict]:
        if not self.metrics.exists():
            return []
        rows = []
        for line in self.metrics.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a torn last line after a kill -9
        return rows

    def rewrite_metrics(self, rows: list[dict]) -> None:
        atomic_write_text(self.metrics, "".join(json.dumps(r) + "\n" for r in rows))

    def write_summary(self, summary: dict) -> None:
        atomic_write_text(self.summary, json.dumps(summary, indent=2) + "\n")
