"""Atomic, safe checkpoints.

Writing: ``torch.save`` to a temporary file in the same folder, fsync, ``os.replace`` onto the final
name, fsync the folder: a crash at any moment leaves either the old file or the new one, never a torn
one; a failed write (disk full) leaves the previous checkpoints untouched and says so. Reading:
``torch.load(weights_only=True)``, which refuses to run pickled code; a truncated, tampered or foreign
file becomes one clear ``DivganError``, and ``load_latest`` falls back to the newest file that loads."""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

import numpy as np
import torch

from ..errors import DivganError

FORMAT = "divgan-checkpoint-2"
# formats this version cannot read, and why (format 2: feature maps are flattened pixel by pixel, so a
# format-1 DCGAN/LAPGAN critic head or DCGAN projection would load with permuted weights)
OLD_FORMATS = {"divgan-checkpoint-1": "it was written before convolutional models flattened their feature maps "
                                      "pixel by pixel (checkpoint format 2); retrain, or use a divgan from before that change"}
_NAME = re.compile(r"^step_(\d+)\.pt$")
_TMP = re.compile(r"^\..+\.tmp-\d+$")


class CheckpointWriteError(DivganError):
    """A checkpoint could not be written (disk full, permissions); older checkpoints are intact."""


class CheckpointFormatError(DivganError):
    """A divgan checkpoint of a format this version cannot read: not damaged, so never set aside."""


def atomic_save(obj, path: Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise CheckpointWriteError(f"could not write checkpoint {path} ({e.strerror or e}); "
                                       f"the previous checkpoints are intact") from None
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
        why = OLD_FORMATS.get(state.get("format")) if isinstance(state, dict) else None
        if why:
            raise CheckpointFormatError(f"checkpoint {path} cannot be loaded: {why}")
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
    """Write ``step_<step>.pt`` atomically, then prune all but the newest ``keep_last`` (``best.pt``
    is a separate file and is never pruned)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step_{step:08d}.pt"
    atomic_save({**state, "format": FORMAT}, path)
    for _, old in step_checkpoints(folder)[keep_last:]:
        old.unlink(missing_ok=True)
    return path


def load_latest(folder: Path, warn=print) -> tuple[dict, Path]:
    """The newest checkpoint that loads; damaged newer ones are reported and skipped (a checkpoint of
    an older format stops the search: the older ones are older still)."""
    errors = []
    for _, path in step_checkpoints(folder):
        try:
            return load(path), path
        except CheckpointFormatError:
            raise
        except DivganError as e:
            errors.append(str(e))
            warn(f"warning: {e}; trying an older checkpoint")
    if errors:
        raise DivganError(f"no usable checkpoint in {folder}: {errors[0]}")
    raise DivganError(f"no checkpoint in {folder}")


def set_aside_newer(folder: Path, used: Path) -> list[Path]:
    """Rename step checkpoints newer than ``used`` (damaged ones that ``load_latest`` skipped) to
    ``*.damaged``, and remove temporary files left by a killed writer, so that the resumed run's
    own checkpoints are the newest again. Returns the renamed files."""
    folder, moved = Path(folder), []
    used_step = int(_NAME.match(Path(used).name).group(1))
    for step, path in step_checkpoints(folder):
        if step > used_step:
            path.rename(path.with_name(path.name + ".damaged"))
            moved.append(path)
    for p in folder.iterdir():
        if _TMP.match(p.name):
            p.unlink(missing_ok=True)
    return moved


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
