"""``divgan export``: the generator as safetensors (read back with our own reader, byte layout
checked by hand) and as TorchScript (same outputs as the generator)."""
from __future__ import annotations

import json
import struct

import pytest
import torch
from reliability_helpers import train

import divgan
from divgan.cli import main
from divgan.errors import DivganError
from divgan.export import read_safetensors, safetensors_bytes


def test_safetensors_layout_by_hand():
    blob = safetensors_bytes({"b": torch.tensor([1, 2], dtype=torch.int16), "a": torch.tensor([[1.5]])}, {"k": "v"})
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0
    header = json.loads(blob[8:8 + n])
    assert header["a"] == {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]}
    assert header["b"] == {"dtype": "I16", "shape": [2], "data_offsets": [4, 8]}
    assert header["__metadata__"] == {"k": "v"}
    assert blob[8 + n:] == struct.pack("<f", 1.5) + struct.pack("<hh", 1, 2)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_export_safetensors_and_torchscript(tmp_path, capsys):
    train(tmp_path / "run", 5)
    G = divgan.load(tmp_path / "run")
    assert main(["export", str(tmp_path / "run")]) == 0
    tensors, meta = read_safetensors(tmp_path / "run" / "generator.safetensors")
    state = G.state_dict()
    assert set(tensors) == set(state) and all(torch.equal(tensors[k], state[k]) and tensors[k].dtype == state[k].dtype for k in state)
    assert int(meta["latent_dim"]) == G.latent_dim and json.loads(meta["output_shape"]) == [1] and "mixture1d" in meta["config"]
    out = tmp_path / "g.pt"
    assert main(["export", str(tmp_path / "run"), "--format", "torchscript", "--out", str(out)]) == 0
    ts = torch.jit.load(str(out))
    z = torch.randn(7, G.latent_dim)
    with torch.no_grad():
        assert torch.allclose(ts(z), G(z))


def test_reader_refuses_garbage(tmp_path):
    (tmp_path / "x.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(DivganError, match="not a safetensors file"):
        read_safetensors(tmp_path / "x.safetensors")
