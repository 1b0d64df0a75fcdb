"""TensorBoard logging (``train.tensorboard: true``): every metrics.jsonl row also goes to
``RUN_DIR/tensorboard/`` as scalars (losses under ``loss/``, metrics under ``metric/``), plus the
resolved config as text. Only the main process writes."""
from __future__ import annotations

from pathlib import Path

from ..errors import DivganError

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


_OPEN: dict[str, TensorBoardLog] = {}  # one writer per run directory for the life of the process


def log_row(trainer, row: dict) -> None:
    """Log one evaluation row of a run with ``train.tensorboard`` on (called beside metrics.jsonl)."""
    if not (trainer.cfg.train.tensorboard and trainer.run and trainer.dist.is_main):
        return
    key = str(trainer.run.path.resolve())
    if key not in _OPEN:
        _OPEN[key] = TensorBoardLog(trainer.run.path / "tensorboard", trainer.cfg.to_yaml())
    _OPEN[key].log(row)


def close(trainer) -> None:
    """Close the run's writer at the end of training (rows are flushed as they are written)."""
    if trainer.run is not None:
        writer = _OPEN.pop(str(trainer.run.path.resolve()), None)
        if writer:
            writer.close()
