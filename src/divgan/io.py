"""Files, written and read safely: the one place divgan writes atomically and loads tensors.

Writing: to a temporary file in the same folder, fsync, ``os.replace`` onto the final name, fsync the
folder: a crash at any moment leaves either the old file or the new one, never a torn one; a failed
write (disk full) removes the temporary file, leaves the previous file untouched and says so.
Reading: ``torch.load(weights_only=True)``, which refuses to run pickled code."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .errors import DivganError


class WriteError(DivganError):
    """A file could not be written (disk full, permissions); the previous file is intact."""


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some file systems do not open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write, what: str = "file", durable: bool = True) -> Path:
    """Call ``write(fh)`` on a temporary binary file and move it onto ``path`` atomically (readers see
    the old or the new file, never half of one). ``durable=False`` skips the fsync: for files that are
    rewritten every second and worthless after a crash (the live page's state)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise WriteError(f"could not write {what} {path} ({e.strerror or e}); the previous {what}s are intact") from None
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_bytes(path: Path, data: bytes, what: str = "file", durable: bool = True) -> Path:
    return atomic_write(path, lambda fh: fh.write(data), what, durable)


def atomic_write_text(path: Path, text: str, what: str = "file") -> Path:
    return atomic_write_bytes(path, text.encode(), what)


def atomic_save(obj, path: Path, what: str = "checkpoint") -> Path:
    """``torch.save`` atomically."""
    return atomic_write(path, lambda fh: torch.save(obj, fh), what)


def safe_load(path: Path, what: str = "checkpoint"):
    """``torch.load`` on the CPU without executing pickled code; one clear ``DivganError`` when the
    file is missing, truncated, tampered with or not a tensor file."""
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DivganError(f"{what} not found: {path}") from None
    except Exception as e:  # truncated zip, unpickling refused, garbage bytes
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DamagedFileError(f"{what} {path} is damaged or not a divgan {what} ({first[:120]})") from None


class DamagedFileError(DivganError):
    """A file exists but cannot be read (truncated, garbage, refused by the safe unpickler)."""
