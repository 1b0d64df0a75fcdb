"""The one [-1, 1] -> [0, 1] / uint8 conversion, against hand-computed values."""
import torch

from divgan.pixels import to_uint8, to_unit, to_unit_double


def test_conversions():
    x = torch.tensor([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
    assert to_unit(x).tolist() == [0.0, 0.0, 0.5, 0.75, 1.0, 1.0]
    assert to_uint8(x).tolist() == [0, 0, 128, 191, 255, 255]  # 127.5 -> 128, 191.25 -> 191
    assert to_uint8(x).dtype == torch.uint8
    assert to_unit_double(torch.tensor([0, 51, 255], dtype=torch.uint8)).tolist() == [0.0, 0.2, 1.0]
    assert to_unit_double(x).dtype == torch.float64
