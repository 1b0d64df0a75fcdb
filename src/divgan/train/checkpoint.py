"""Atomic, safe checkpoints.

Writing: ``torch.save`` to a temporary file in the same folder, fsync, ``os.replace`` onto the final
name, fsync the folder: a crash at any moment leaves either the old file or the new one, never a torn
one. Reading: ``torch.load(weights_only=True)``, which refuses to run pickled code; a truncated,
tampered or foreign file becomes one clear ``DivganError``."""
from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from ..errors import DivganError

FORMAT = "divgan-checkpoint-1"
_NAME = re.compile(r"^step_(\d+)\.pt$")


def atomic_save(obj, path: Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(path: Path) -> dict:
    """Load a checkpoint without executing code; clear error if it is damaged or not ours."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DivganError(f"checkpoint not found: {path}") from None
    except Exception as e:  # truncated zip, unpickling refused, garbage bytes
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DivganError(f"checkpoint {path} is damaged or not a divgan checkpoint ({first[:160]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise DivganError(f"checkpoint {path} is not a divgan checkpoint")
    return state


def step_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """``step_*.pt`` files in a folder, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found, reverse=True)


def save_step(state: dict, folder: Path, step: int, keep_last: int) -> Path:
    """Write ``step_<step>.pt`` atomically, then prune all but the newest ``keep_last``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:08d}.pt"
    atomic_save({**state, "format": FORMAT}, path)
    for _, old in step_checkpoints(folder)[keep_last:]:
        old.unlink(missing_ok=True)
    return path


def load_latest(folder: Path, warn=print) -> tuple[dict, Path]:
    """The newest checkpoint that loads; damaged newer ones are reported and skipped."""
    errors = []
    for _, path in step_checkpoints(folder):
        try:
            return load(path), path
        except DivganError as e:
            errors.append(str(e))
            warn(f"warning: {e}; trying an older checkpoint")
    if errors:
        raise DivganError(f"no usable checkpoint in {folder}: {errors[0]}")
    raise DivganError(f"no checkpoint in {folder}")
