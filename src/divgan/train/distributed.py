"""Data-parallel training through ``torchrun`` (``torch.distributed``, DDP).

``torchrun --standalone --nproc_per_node=N -m divgan train ...`` starts N processes with RANK,
WORLD_SIZE and LOCAL_RANK in their environment; the trainer then calls ``setup`` (gloo on CPU, nccl
on GPU) and trains the models through ``wrap`` (DistributedDataParallel). A single process (no
WORLD_SIZE, or WORLD_SIZE=1) never touches ``torch.distributed``: every helper here is then the
identity. Conventions (docs/distributed.md):

- ``train.batch_size`` is per process; each rank draws its own data and noise (its RNGs are seeded
  with its rank) and gradients are averaged across ranks, so every rank holds the same weights;
- batch-norm statistics are per rank during training (``broadcast_buffers=False``: a GAN calls D
  twice before one backward, and an in-place buffer broadcast would break that backward); rank 0's
  buffers are copied to every rank before each evaluation and checkpoint;
- losses are averaged across ranks every step (so the NaN guard and the progress bar agree),
  evaluation runs on the (identical) weights of every rank, and only rank 0 writes files;
- a checkpoint stores each rank's RNG and data state, so a run resumes exactly with the same number
  of processes.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @classmethod
    def from_env(cls) -> "DistInfo":
        return cls(
            rank=int(os.environ.get("RANK", 0)),
            world_size=int(os.environ.get("WORLD_SIZE", 1)),
            local_rank=int(os.environ.get("LOCAL_RANK", 0)),
        )


def setup(info: DistInfo, device: torch.device) -> torch.device:
    """Join the process group (once per process) and return this rank's device."""
    if not info.enabled:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=datetime.timedelta(minutes=10),
                                **({"device_id": device} if device.type == "cuda" else {}))
    return device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def wrap(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``module`` in DistributedDataParallel when running under torchrun, else itself."""
    if not active() or not any(p.requires_grad for p in module.parameters()):
        return module
    import inspect

    from torch.nn.parallel import DistributedDataParallel as DDP

    no_sync = "forward_sync_buffers" if "forward_sync_buffers" in inspect.signature(DDP).parameters else "broadcast_buffers"
    return DDP(module, device_ids=[device.index] if device.type == "cuda" else None, **{no_sync: False})


def all_reduce_mean(t: torch.Tensor) -> torch.Tensor:
    """Mean over ranks (NaN anywhere gives NaN everywhere)."""
    if active():
        t = t.clone()
        dist.all_reduce(t)
        t /= dist.get_world_size()
    return t


def all_gather_object(obj) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank (``[obj]`` in one process)."""
    if not active():
        return [obj]
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(obj):
    """Rank 0's ``obj`` on every rank."""
    if not active():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def sync_buffers(*modules: torch.nn.Module) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every rank."""
    if not active():
        return
    for m in modules:
        for b in m.buffers():
            dist.broadcast(b, src=0)


def barrier() -> None:
    if active():
        dist.barrier()
