"""The one conversion between the models' pixel range [-1, 1] and display ranges."""
from __future__ import annotations

import torch

VALUE_RANGE = (-1.0, 1.0)  # every image dataset and image generator works in this range


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] images -> float in [0, 1] (clamped)."""
    return (x.float().clamp(-1, 1) + 1) / 2


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float images -> uint8 in 0..255."""
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def to_unit_double(x: torch.Tensor) -> torch.Tensor:
    """uint8 (0..255) or [-1, 1] float images -> float64 in [0, 1]."""
    return x.double() / 255.0 if x.dtype == torch.uint8 else (x.double().clamp(-1, 1) + 1) / 2
