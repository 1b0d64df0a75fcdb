"""Checkpoints: atomic, safe to load, self-contained.

Writing goes through ``divgan.io`` (temporary file, fsync, rename): a crash at any moment leaves
either the old file or the new one. Reading is ``torch.load(weights_only=True)``, which refuses to run
pickled code; a truncated, tampered or foreign file becomes one clear ``DivganError``.

A checkpoint carries what sampling needs without the dataset (``meta``): the resolved config (YAML)
and the data's kind, shape, value range, name and labels (when the dataset has them).

A damaged newest checkpoint is never skipped silently: ``load_latest`` raises
``DamagedCheckpointError`` naming the damaged file, the newest usable older one and how to fall back
(``fallback=True`` in the API, ``--fallback`` on the command line); with fallback it says in one line
which file it used. No file is renamed or deleted."""
from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import torch

from ..errors import DivganError
from ..io import DamagedFileError, WriteError, atomic_save, safe_load

FORMAT = "divgan-checkpoint-2"
# formats this version cannot read, and why (format 2: feature maps are flattened pixel by pixel, so a
# format-1 DCGAN/LAPGAN critic head or DCGAN projection would load with permuted weights)
OLD_FORMATS = {"divgan-checkpoint-1": "it was written before convolutional models flattened their feature maps "
                                      "pixel by pixel (checkpoint format 2); retrain, or use a divgan from before that change"}
_NAME = re.compile(r"^step_(\d+)\.pt$")
_TMP = re.compile(r"^\..+\.tmp-\d+$")

CheckpointWriteError = WriteError  # a checkpoint could not be written; older checkpoints are intact

__all__ = ["FORMAT", "CheckpointWriteError", "CheckpointFormatError", "DamagedCheckpointError", "atomic_save", "load",
           "load_latest", "save_step", "step_checkpoints", "remove_temporaries", "rng_state", "set_rng_state"]


class CheckpointFormatError(DivganError):
    """A divgan checkpoint of a format this version cannot read: not damaged, so never skipped."""


class DamagedCheckpointError(DivganError):
    """The newest checkpoint cannot be read; ``usable`` is the newest older one that can (or None)."""

    def __init__(self, message: str, damaged: Path, usable: Path | None):
        super().__init__(message)
        self.damaged, self.usable = damaged, usable


def load(path: Path) -> dict:
    """Load a checkpoint without executing code; clear error if it is damaged or not ours."""
    path = Path(path)
    state = safe_load(path, "checkpoint")
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        why = OLD_FORMATS.get(state.get("format")) if isinstance(state, dict) else None
        if why:
            raise CheckpointFormatError(f"checkpoint {path} cannot be loaded: {why}")
        raise DamagedFileError(f"checkpoint {path} is not a divgan checkpoint")
    return state


def step_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """``step_*.pt`` files in a folder, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found, reverse=True)


def save_step(state: dict, folder: Path, step: int, keep_last: int) -> Path:
    """Write ``step_<step>.pt`` atomically, then prune all but the newest ``keep_last`` at or before
    ``step`` (``best.pt`` is never pruned; a newer file, e.g. a damaged one a run fell back from, is
    left where it is until the run overwrites it)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:08d}.pt"
    atomic_save({**state, "format": FORMAT}, path)
    for _, old in [c for c in step_checkpoints(folder) if c[0] <= step][keep_last:]:
        old.unlink(missing_ok=True)
    return path


def load_latest(folder: Path, fallback: bool = False, warn=None, flag: str = "--fallback (Python: fallback=True)") -> tuple[dict, Path]:
    """The newest checkpoint, loaded. If it is damaged: without ``fallback``, a ``DamagedCheckpointError``
    naming it, the newest usable older one and ``flag`` (how to fall back); with ``fallback``, the newest
    usable one, and one line to ``warn`` saying which. A checkpoint of an older format stops the search."""
    ckpts = step_checkpoints(folder)
    if not ckpts:
        raise DivganError(f"no checkpoint in {folder}")
    damaged: list[tuple[Path, str]] = []
    for _, path in ckpts:
        try:
            state = load(path)
        except CheckpointFormatError:
            raise
        except DivganError as e:
            damaged.append((path, str(e)))
            continue
        if not damaged:
            return state, path
        first = damaged[0][0]
        what = f"{first.name}" + (f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else "")
        if not fallback:
            raise DamagedCheckpointError(f"newest checkpoint {first} is damaged; the newest usable one is {path.name}: "
                                         f"pass {flag} to use it (no file was changed)", first, path)
        if warn:
            warn(f"warning: checkpoint {what} is damaged; using {path.name} ({flag}; no file was changed)")
        return state, path
    raise DamagedCheckpointError(f"no usable checkpoint in {folder}: {damaged[0][1]}", damaged[0][0], None)


def remove_temporaries(folder: Path) -> None:
    """Remove temporary files left by a killed writer (``.NAME.tmp-PID``: never a finished file)."""
    folder = Path(folder)
    for p in folder.iterdir() if folder.is_dir() else ():
        if _TMP.match(p.name):
            p.unlink(missing_ok=True)


# ---------------------------------------------------------------- random number generators


def rng_state(gen: torch.Generator) -> dict:
    """Every RNG a run draws from: its own generator, torch's global (and CUDA's), numpy's, Python's,
    in types that ``torch.load(weights_only=True)`` accepts."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state = {"gen": gen.get_state(), "torch": torch.get_rng_state(),
             "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
             "python": [version, list(internal), gauss_next]}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(gen: torch.Generator, state: dict) -> None:
    gen.set_state(state["gen"])
    torch.set_rng_state(state["torch"])
    if "numpy" in state:
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if "python" in state:
        version, internal, gauss_next = state["python"]
        random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
