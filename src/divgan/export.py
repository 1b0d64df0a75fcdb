"""Export a run's generator alone: safetensors (weights, no pickle) or TorchScript (weights + code).

safetensors is the format model hubs use; the ``safetensors`` package is not needed: the format is
small and written here (https://github.com/huggingface/safetensors, "Format"):

    8 bytes   N, the header's length (unsigned 64-bit little-endian)
    N bytes   JSON: {"TENSOR": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
                     "__metadata__": {"key": "string value", ...}}   (padded with spaces to 8 bytes)
    rest      the tensors' raw bytes, little-endian, C order; offsets count from the end of the header

``read_safetensors`` reads it back (and any file of the format) without executing anything."""
from __future__ import annotations

import json
import struct
import sys
import warnings
from pathlib import Path

import torch

from .errors import DivganError
from .io import atomic_write, atomic_write_bytes

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
FROM_NAME = {v: k for k, v in DTYPES.items()}


def _raw(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous().reshape(-1)
    if sys.byteorder != "little":  # pragma: no cover (every machine divgan runs on is little-endian)
        raise DivganError("safetensors export needs a little-endian machine")
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def safetensors_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors encoding of ``tensors`` (name -> tensor) with string ``metadata``."""
    header: dict = {}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in DTYPES:
            raise DivganError(f"safetensors: tensor {name} has dtype {t.dtype}, which the format does not have")
        raw = _raw(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata) of a safetensors file; one clear error if it is not one."""
    blob = Path(path).read_bytes()
    try:
        (n,) = struct.unpack("<Q", blob[:8])
        header = json.loads(blob[8:8 + n])
        data = memoryview(blob)[8 + n:]
        meta = header.pop("__metadata__", {}) or {}
        out = {}
        for name, h in header.items():
            begin, end = h["data_offsets"]
            if not 0 <= begin <= end <= len(data):
                raise ValueError(f"offsets of {name} out of range")
            dtype = FROM_NAME[h["dtype"]]
            buf = bytearray(data[begin:end])
            t = torch.frombuffer(buf, dtype=torch.uint8) if buf else torch.empty(0, dtype=torch.uint8)
            out[name] = t.view(dtype).reshape(h["shape"])
    except (struct.error, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise DivganError(f"{path} is not a safetensors file ({str(e)[:120]})") from None
    return out, meta


def generator_metadata(core) -> dict[str, str]:
    """What a user of the exported generator needs: latent size, output shape and range, the config."""
    return {"format": "pt", "divgan": "generator", "latent_dim": str(core.G.latent_dim),
            "output_shape": json.dumps(list(core.data.shape)),
            "value_range": json.dumps([-1.0, 1.0] if core.data.kind == "image" else None),
            "step": str(core.step), "config": core.cfg.to_yaml()}


def export_generator(core, fmt: str, out: Path) -> Path:
    """Write the generator that samples are drawn from (``tricks.sampler``: the EMA average when that
    trick is on; with ``tricks.drs`` the generator it rejects from, as a file cannot hold the
    rejection) as ``fmt`` ("safetensors" or "torchscript") to ``out``."""
    G = core.tricks.sampler(core)
    G = getattr(G, "proposal", G)  # tricks.drs: the generator it rejects from (the file holds no classifier)
    G.eval()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "safetensors":
        return atomic_write_bytes(out, safetensors_bytes(dict(G.state_dict()), generator_metadata(core)), "export")
    if fmt == "torchscript":
        if getattr(G, "conditional", False):
            raise DivganError("--format torchscript: this generator also takes a real image in training; export safetensors instead")
        z = torch.randn(2, G.latent_dim, generator=torch.Generator().manual_seed(0)).to(core.device)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated upstream, still what many tools load
            try:
                traced = torch.jit.trace(G.float(), z, check_trace=False)
            except Exception as e:
                raise DivganError(f"--format torchscript: the generator cannot be traced ({str(e).splitlines()[0][:120]}); export safetensors instead") from None
        extra = {"divgan.json": json.dumps(generator_metadata(core))}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return atomic_write(out, lambda fh: torch.jit.save(traced, fh, _extra_files=extra), "export")
    raise DivganError(f"--format must be safetensors or torchscript, got {fmt!r}")
