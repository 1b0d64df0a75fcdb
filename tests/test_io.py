"""divgan.io: atomic writes leave the old file or the new one; safe loading refuses code and names
the damaged file in one line."""
import errno
import os

import pytest
import torch

from divgan.errors import DivganError
from divgan.io import WriteError, atomic_write, atomic_write_text, safe_load


def test_atomic_write_replaces_and_a_failed_write_keeps_the_old_file(tmp_path):
    p = tmp_path / "f.txt"
    atomic_write_text(p, "old")
    atomic_write_text(p, "new")
    assert p.read_text() == "new"

    def full(fh):
        fh.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(WriteError, match="could not write file .*No space left on device.*previous files are intact"):
        atomic_write(p, full)
    assert p.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


class _Payload:
    def __reduce__(self):
        return (os.system, ("true",))


def test_safe_load_refuses_code_and_truncation(tmp_path):
    good, evil = tmp_path / "good.pt", tmp_path / "evil.pt"
    torch.save({"x": torch.ones(2)}, good)
    torch.save({"x": _Payload()}, evil)
    assert torch.equal(safe_load(good)["x"], torch.ones(2))
    with pytest.raises(DivganError, match="evil.pt is damaged or not a divgan checkpoint"):
        safe_load(evil)
    good.write_bytes(good.read_bytes()[:20])
    with pytest.raises(DivganError, match="good.pt is damaged"):
        safe_load(good)
    with pytest.raises(DivganError, match="not found"):
        safe_load(tmp_path / "none.pt")
