"""DCGAN training step time for each memory layout × precision (what ``train.channels_last=auto``
and ``train.precision=auto`` pick). Interleaved repetitions, fastest of each; read the ratios.

    .venv/bin/python bench/channels_last.py [--size 28] [--width 32] [--batch 128] [--reps 8] [--device cpu]
"""
from __future__ import annotations

import argparse
import time

import torch

from divgan.models import build_discriminator, build_generator, set_memory_format


def make(shape, width, channels_last, device):
    torch.manual_seed(0)
    G = build_generator({"name": "dcgan", "width": width}, shape).to(device)
    D = build_discriminator({"name": "dcgan", "width": width}, shape).to(device)
    G, D = set_memory_format(G, channels_last), set_memory_format(D, channels_last)  # as the trainer does
    return G, D, torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999)), torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))


def step(models, shape, batch, channels_last, bf16, device):
    """One D update and one G update (non-saturating loss), as the trainer does."""
    G, D, opt_g, opt_d = models
    real = torch.rand(batch, *shape, device=device) * 2 - 1
    if channels_last:
        real = real.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        with torch.no_grad():
            fake = G(torch.randn(batch, 100, device=device))
        loss = torch.nn.functional.softplus(-D(real)).mean() + torch.nn.functional.softplus(D(fake)).mean()
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        loss = torch.nn.functional.softplus(-D(G(torch.randn(batch, 100, device=device)))).mean()
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device, shape = torch.device(args.device), (args.channels, args.size, args.size)
    combos = [(cl, bf) for cl in (False, True) for bf in (False, True)]
    models = {c: make(shape, args.width, c[0], device) for c in combos}
    times: dict = {c: [] for c in combos}
    for c in combos:
        step(models[c], shape, args.batch, *c, device)  # warm-up
    for _ in range(args.reps):
        for c in combos:
            s = time.perf_counter()
            step(models[c], shape, args.batch, *c, device)
            times[c].append(time.perf_counter() - s)
    base = min(times[(False, False)])
    print(f"DCGAN-{args.size} width {args.width}, batch {args.batch}, {device}, {torch.get_num_threads()} threads")
    for (cl, bf), ts in times.items():
        print(f"  channels_last={'on ' if cl else 'off'} {'bf16' if bf else 'fp32'}: {min(ts) * 1e3:7.1f} ms  speed-up ×{base / min(ts):.2f}")


if __name__ == "__main__":
    main()
