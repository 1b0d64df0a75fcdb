"""TensorBoard logging (``train.tensorboard: true``): every metrics.jsonl row also goes to
``RUN_DIR/tensorboard/`` as scalars (losses under ``loss/``, metrics under ``metric/``), plus the
resolved config as text. Only the main process writes."""
from __future__ import annotations

from pathlib import Path

from ..errors import DivganError
from .callbacks import Callback

LOSS_KEYS = ("d_loss", "g_loss", "value")


class TensorBoardLog:
    """A small wrapper around ``torch.utils.tensorboard.SummaryWriter``, flushed after every row."""

    def __init__(self, logdir: Path, config_yaml: str = ""):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise DivganError("train.tensorboard=true needs the tensorboard package: pip install 'divgan[tensorboard]'") from None
        self.writer = SummaryWriter(log_dir=str(logdir))
        if config_yaml:
            self.writer.add_text("config", "```\n" + config_yaml + "\n```", 0)

    def log(self, row: dict) -> None:
        step = int(row["step"])
        for k, v in row.items():
            if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool):
                self.writer.add_scalar(f"{'loss' if k in LOSS_KEYS else 'metric'}/{k}", float(v), step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class TensorBoard(Callback):
    """The callback ``divgan train`` installs when ``train.tensorboard`` is on (main process only)."""

    def __init__(self, run_dir, config_yaml: str = ""):
        self.run, self.config_yaml, self.writer = run_dir, config_yaml, None

    def on_evaluate(self, driver, row, samples):
        if self.writer is None:
            self.writer = TensorBoardLog(self.run.path / "tensorboard", self.config_yaml)
        self.writer.log(row)

    def on_finish(self, driver, summary):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
