"""DDP through torchrun: 2 gloo processes on CPU train a toy run; weights are identical across ranks,
the run resumes exactly, only rank 0 writes, and a resume with another number of ranks is refused."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import torch
from reliability_helpers import (ONE_THREAD, assert_same_run, assert_same_tensors, latest_state, set_args, step_files,
                                 toy, toy_config, wait_for)

import divgan
from divgan.errors import DivganError

pytestmark = pytest.mark.slow

# Batch norm in G, dropout in D and historical averaging (from the shared toy settings): the paths
# where data-parallel GAN training usually goes wrong.
DDP = toy(0, "generator.batch_norm=true", "train.checkpoint_every=5")[:-1]

SCRIPT = """
import json, sys
from pathlib import Path
import torch, torch.distributed as dist
import divgan
from divgan.train import distributed

cfg, quiet = {"data": {"name": "mixture1d"}}, {"log": lambda m: None}
for case, over in json.loads(sys.argv[2]).items():  # one torchrun for every case: its start-up costs seconds
    out = Path(sys.argv[1]) / case
    divgan.train(cfg, out=out / "full", overrides=over + ["train.steps=20"], **quiet)
    divgan.train(cfg, out=out / "half", overrides=over + ["train.steps=10"], **quiet)
    runs = {"resumed": divgan.resume(out / "half", ["train.steps=20"], **quiet),
            "reuse": divgan.train(cfg, out=out / "reuse", overrides=over + ["train.steps=6", "train.reuse_fake=true",
                                  "tricks.feature_matching.mode=add", "tricks.unrolled.steps=1"], **quiet)}
    for name, run in runs.items():
        t = run.trainer
        torch.save({k: getattr(t, k).state_dict() for k in ("G", "D", "opt_g", "opt_d")}, out / f"{name}_rank{dist.get_rank()}.pt")
distributed.shutdown()
"""


DCGAN_SCRIPT = """
import sys
from pathlib import Path
import torch, torch.distributed as dist
import divgan
from divgan.train import distributed

out = Path(sys.argv[1])
t = divgan.train("digits-dcgan", out=out / "run", overrides=["train.steps=4", "train.batch_size=16", "train.progress=false"],
                 log=lambda m: None).trainer
torch.save({k: getattr(t, k).state_dict() for k in ("G", "D", "opt_g", "opt_d")}, out / f"rank{dist.get_rank()}.pt")
distributed.shutdown()
"""


def torchrun(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **ONE_THREAD})


# RpGAN with R1 + R2 and WGAN-GP penalties (double backward through DDP), spectral norm, packing and EMA
ZOO = DDP + ["objective.name=relativistic", "tricks.gradient_penalty.kind=[wgan_gp,r1,r2]", "tricks.gradient_penalty.weight=0.1",
             "tricks.spectral_norm.enabled=true", "tricks.packing.m=2", "tricks.ema.decay=0.9"]


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory):
    """One torchrun (2 ranks) that trains, resumes and reuses fakes for the plain toy setting and the
    modern zoo: ``root/plain/...`` and ``root/zoo/...``."""
    root = tmp_path_factory.mktemp("ddp")
    script = root / "ddp_run.py"
    script.write_text(SCRIPT)
    done = torchrun(str(script), str(root), json.dumps({"plain": DDP, "zoo": ZOO}))
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def test_two_ranks_identical_weights_and_exact_resume(ddp_runs):
    tmp_path = ddp_runs / "plain"
    for name in ("resumed", "reuse"):
        r0, r1 = (torch.load(tmp_path / f"{name}_rank{r}.pt", weights_only=True) for r in (0, 1))
        assert_same_tensors(r0, r1, name)  # DDP kept every rank's weights and optimiser states equal
    assert_same_run(tmp_path / "full", tmp_path / "half")  # 10 + resumed 10 == 20, bitwise, on 2 ranks
    ranks = latest_state(tmp_path / "full")["ranks"]
    assert len(ranks) == 2 and not torch.equal(ranks[0]["rng"]["gen"], ranks[1]["rng"]["gen"])  # own data per rank
    steps = [json.loads(x)["step"] for x in (tmp_path / "full" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20]  # rank 0 alone writes
    with pytest.raises(DivganError, match="written by 2 process.*nproc_per_node=2"):
        divgan.resume(tmp_path / "full", ["train.steps=30"], log=lambda m: None)
    assert divgan.load(tmp_path / "full")(torch.randn(3, 4)).shape == (3, 1)  # sampling needs one process


def test_two_ranks_train_a_dcgan_to_identical_weights(tmp_path):
    """Convolutions with custom gradients (the sub-pixel image layers), batch norm in G and D, bf16 and
    channels_last: every rank ends with the same weights, batch-norm statistics and optimiser states."""
    script = tmp_path / "ddp_dcgan.py"
    script.write_text(DCGAN_SCRIPT)
    done = torchrun(str(script), str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert_same_tensors(r0, r1, "dcgan")
    assert r0["G"]["net.7.weight"].abs().sum() > 0 and int(r0["D"]["body.3.num_batches_tracked"]) > 0


def test_ctrl_c_under_torchrun_then_resume_through_the_cli(tmp_path):
    """``torchrun -m divgan train``; Ctrl-C reaches the launcher and both workers (one process group, so each
    worker gets SIGINT twice); every rank stops after the same step; ``torchrun -m divgan train --resume``."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "divgan", "train",
           str(toy_config(tmp_path)), "--out", str(out), *set_args(toy(100000, "train.checkpoint_every=100000", "eval.every=100000"))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, **ONE_THREAD})
    wait_for(lambda: step_files(out), proc=proc)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    assert f"Continue with: divgan train --resume {out}" in stdout
    state = latest_state(out)
    assert state["step"] > 0 and len(state["ranks"]) == 2
    again = torchrun("-m", "divgan", "train", "--resume", str(out), "--set", f"train.steps={state['step'] + 3}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("run directory:") == 1  # the summary comes from rank 0 only
    assert latest_state(out)["step"] == state["step"] + 3


def test_two_ranks_with_the_modern_zoo(ddp_runs):
    """RpGAN with R1 + R2 and WGAN-GP penalties (double backward through DDP), spectral norm, packing and
    EMA: ranks stay identical and the run resumes exactly on 2 ranks."""
    tmp_path = ddp_runs / "zoo"
    for name in ("resumed", "reuse"):
        r0, r1 = (torch.load(tmp_path / f"{name}_rank{r}.pt", weights_only=True) for r in (0, 1))
        assert_same_tensors(r0, r1, name)
    assert_same_run(tmp_path / "full", tmp_path / "half")
    assert "ema" in latest_state(tmp_path / "full")["tricks"]
