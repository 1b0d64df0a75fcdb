"""train.precision: auto picks bf16 autocast for image models only where bf16 is native."""
import pytest
import torch

from divgan.config import load_config
from divgan.train import trainer as trainer_mod
from divgan.train.trainer import Trainer, cpu_flags, native_bf16


@pytest.mark.parametrize("flags,native", [
    ({"avx512f", "avx512bw", "avx512_bf16"}, True),   # Cooper Lake / Sapphire Rapids
    ({"avx512f", "amx_tile", "amx_bf16"}, True),
    ({"fp", "asimd", "bf16"}, True),                    # ARMv8.6 Features
    ({"avx512f", "avx512bw", "avx512_vnni"}, False),    # Ice Lake: oneDNN emulates bf16
    (set(), False),                                      # no /proc/cpuinfo
])
def test_native_bf16_reads_the_cpu_flags(monkeypatch, flags, native):
    monkeypatch.setattr(trainer_mod, "cpu_flags", lambda: flags)
    assert native_bf16(torch.device("cpu")) is native


@pytest.mark.parametrize("precision,native,image,bf16", [
    ("auto", True, True, True), ("auto", False, True, False), ("auto", True, False, False),
    ("bf16", False, True, True), ("fp32", True, True, False),
])
def test_trainer_precision(monkeypatch, precision, native, image, bf16):
    monkeypatch.setattr(trainer_mod, "native_bf16", lambda device: native)
    preset = "digits-dcgan" if image else "ring"
    t = Trainer(load_config(preset, [f"train.precision={precision}", "train.batch_size=8", "train.device=cpu"]),
                log=lambda m: None)
    assert t.bf16 is bf16
    t.train_step()
    assert t.step == 1


def test_cpu_flags_reads_this_machine():
    from pathlib import Path

    flags = cpu_flags()
    assert isinstance(flags, set)
    if Path("/proc/cpuinfo").exists():
        assert flags, "a Linux CPU lists its flags"
