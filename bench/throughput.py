"""Training throughput of divgan against a plain tutorial-style PyTorch GAN, in one run.

For the MNIST MLP GAN and DCGAN-28 (at the tutorial's width 64, and at the width 32 of the
``mnist-dcgan`` CPU preset) at batch 64 it times, interleaved (so that the load of a shared
machine hits every variant alike; medians over repeats):

- ``reference``: the PyTorch DCGAN tutorial loop — torchvision ``MNIST`` through a ``DataLoader``
  with ``ToTensor()`` + ``Normalize((0.5,), (0.5,))``, BCE losses, one generator forward reused by
  both updates, ``.item()`` logging each step, fp32, default memory format; the same G and D
  architectures as divgan (fresh copies of divgan's modules);
- ``divgan``: ``Trainer.train_step`` with the config's defaults (in-memory data, bf16 autocast and
  channels_last where ``auto`` picks them) and ``train.reuse_fake=false``: Goodfellow's Algorithm 1,
  a fresh generator forward on new noise for the G step;
- ``divgan reuse``: the same with ``train.reuse_fake=true``, the tutorial's algorithm (and the
  ``mnist-dcgan`` preset's): the equal-algorithm comparison with the reference;
- ``stock image layers`` (DCGAN): ``divgan reuse`` with PyTorch's own kernels in the image-side layers
  instead of the sub-pixel form (``divgan.models.subpixel``), to show what that form gains.

FLOPs are the model's, counted with the stock layers for every variant (the sub-pixel form does
more arithmetic in less time; counting it would flatter the fraction of the peak).

It also prints FLOPs per training image (``torch.utils.flop_counter``), the achieved GFLOP/s of
divgan's DCGAN-28 step against the machine's measured matmul peak (fp32 and bf16), the cost of k
unrolling steps relative to k = 0 (k = 1, 5, 10, MLP GAN), and peak memory. A profiled run splits the
step into time inside convolution/GEMM kernels and the rest, which bounds the achievable fraction of
the peak: with every other op free, the step cannot beat its kernels.

    python bench/throughput.py [--steps 20] [--repeats 9] [--threads N] [--data-root DIR]

Images/s counts real training images per second (batch size × steps / time).

Allocator: by default the script re-runs itself with glibc's malloc told to keep freed memory
(``MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2^40``). Otherwise buffers above glibc's adaptive mmap
threshold are mapped afresh, or trimmed and faulted back in, every step, and how often depends on
what the process allocated before: the fp32 reference's width-32 step then took 22–27 ms in fresh
processes against 20–21 ms steady, and the ratios moved with it (docs/distributed.md).
``--allocator default`` keeps glibc's defaults."""
from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

os.environ.setdefault("KINETO_LOG_LEVEL", "99")  # keep the profiler's start/stop lines out of the report
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from divgan.config import load_config  # noqa: E402
from divgan.models import Flatten, Unflatten  # noqa: E402
from divgan.models.subpixel import ImageConv2d, ImageConvTranspose2d  # noqa: E402
from divgan.train.trainer import Trainer  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BATCH = 64
COMMON = [f"train.batch_size={BATCH}", "train.device=cpu", "train.progress=false", "data.download=false",
          "train.reuse_fake=false"]  # Algorithm 1 unless a variant says otherwise
MODELS = {  # sections replacing the mnist-dcgan preset's
    "MLP GAN": {"generator": {"name": "mlp", "latent_dim": 100, "hidden": [256, 512], "output": "tanh"},
                "discriminator": {"name": "mlp", "hidden": [512, 256]}},
    # the PyTorch DCGAN tutorial's width (ngf = ndf = 64) on 28×28, and the width-32 CPU preset as shipped
    "DCGAN-28 (width 64)": {"generator": {"name": "dcgan", "latent_dim": 100, "width": 64}, "discriminator": {"name": "dcgan", "width": 64}},
    "DCGAN-28 (width 32, preset mnist-dcgan)": {},
}


def trainer(model: str, root: str, *extra: str) -> Trainer:
    cfg = load_config({"base": "mnist-dcgan", **MODELS[model]}, [*COMMON, f"data.root={root}", *extra])
    return Trainer(cfg, log=lambda m: None)


# ---------------------------------------------------------------- the tutorial-style reference


def mnist_for_torchvision(shared_root: Path, tmp: Path) -> Path:
    """torchvision's MNIST wants the extracted files: decompress the shared .gz files into ``tmp``."""
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in (shared_root / "MNIST" / "raw").glob("*.gz"):
        with gzip.open(gz) as src, open(raw / gz.name[:-3], "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


class Reference:
    """The PyTorch DCGAN tutorial's loop, on copies of divgan's models."""

    def __init__(self, t: Trainer, tv_root: Path):
        from torchvision import datasets, transforms

        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        data = datasets.MNIST(str(tv_root), train=True, download=False, transform=tf)
        self.loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, drop_last=True, num_workers=0)
        self.batches = iter(self.loader)
        self.G, self.D = type(t.G)(_params(t.cfg.generator, t.G), t.data.shape), type(t.D)(_params(t.cfg.discriminator, t.D), t.data.shape)
        self.G.load_state_dict(t.G.state_dict())
        self.D.load_state_dict(t.D.state_dict())
        tutorial_layers(self.G)
        tutorial_layers(self.D)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.criterion = nn.BCEWithLogitsLoss()
        self.latent_dim = t.G.latent_dim

    def train_step(self) -> None:
        try:
            real, _ = next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            real, _ = next(self.batches)
        b = real.size(0)
        ones, zeros = torch.ones(b), torch.zeros(b)
        self.D.zero_grad()
        err_real = self.criterion(self.D(real).view(-1), ones)
        err_real.backward()
        fake = self.G(torch.randn(b, self.latent_dim))
        err_fake = self.criterion(self.D(fake.detach()).view(-1), zeros)
        err_fake.backward()
        self.opt_d.step()
        self.G.zero_grad()
        err_g = self.criterion(self.D(fake).view(-1), ones)
        err_g.backward()
        self.opt_g.step()
        _ = (err_real + err_fake).item(), err_g.item()  # the tutorial logs the losses every step


def tutorial_layers(model: nn.Module) -> None:
    """Make a copy of divgan's model a tutorial's: the usual ``nn.Flatten`` / ``nn.Unflatten`` for divgan's
    pixel-major (channels-last) ones, which suit the reference's default NCHW layout (same FLOPs, no
    extra copies), and PyTorch's own convolutions for divgan's sub-pixel image layers."""
    for m in image_layers(model):
        m.__class__ = STOCK[type(m)]
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, Flatten):
                setattr(parent, name, nn.Flatten())
            elif isinstance(child, Unflatten):
                setattr(parent, name, nn.Unflatten(1, child.shape))


STOCK = {ImageConv2d: nn.Conv2d, ImageConvTranspose2d: nn.ConvTranspose2d}  # same parameters, PyTorch's kernels


def image_layers(*models: nn.Module) -> list[nn.Module]:
    """The sub-pixel image layers of ``models``."""
    return [m for model in models for m in model.modules() if type(m) in STOCK]


@contextmanager
def stock_image_layers(*models: nn.Module):
    """Run ``models`` with PyTorch's own kernels in their sub-pixel image layers."""
    swapped = [(m, type(m)) for m in image_layers(*models)]
    for m, cls in swapped:
        m.__class__ = STOCK[cls]
    try:
        yield
    finally:
        for m, cls in swapped:
            m.__class__ = cls


def _params(section: dict, module: nn.Module):
    return type(module).Params(**{k: v for k, v in section.items() if k != "name"})


# ---------------------------------------------------------------- measurements


def _run_stock(t: Trainer) -> None:
    with stock_image_layers(t.G, t.D):
        t.train_step()


def seconds_per_step(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def interleaved(variants: dict, steps: int, repeats: int) -> dict[str, float]:
    """Median seconds per step of each variant, timed in turns after one warm-up segment."""
    for step in variants.values():
        seconds_per_step(step, 3)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeats):
        for name, step in variants.items():
            times[name].append(seconds_per_step(step, steps))
    return {k: statistics.median(v) for k, v in times.items()}


def flops_per_step(step, *models: nn.Module) -> int:
    """The model FLOPs of one step (image layers counted as the stock convolutions they equal)."""
    with FlopCounterMode(display=False) as counter, stock_image_layers(*models):
        step()
    return counter.get_total_flops()


KERNELS = ("convolution", "mm", "addmm", "linear")  # profiler op names of the FLOP-carrying kernels


def kernel_share(step, n: int = 10) -> tuple[float, float]:
    """(seconds per step inside convolution/GEMM kernels, seconds per step in all ops), from the
    profiler's self times: the first is the floor of a step if every other op cost nothing."""
    from torch.profiler import profile

    step()
    with profile() as prof:
        for _ in range(n):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    kernels = sum(e.self_cpu_time_total for e in events if any(k in e.key for k in KERNELS))
    return kernels / n / 1e6, total / n / 1e6


def matmul_peak(dtype: torch.dtype, n: int = 2048, reps: int = 10) -> float:
    """Best-of GFLOP/s of an n×n matmul (the machine's practical peak, measured now)."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = min(seconds_per_step(lambda: a @ b, 1) for _ in range(reps))
    return 2 * n**3 / best / 1e9


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STEADY_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(2**40)}  # glibc: keep freed memory


def main(argv=None, reexec: bool = False) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="steps per timed segment")
    ap.add_argument("--repeats", type=int, default=9, help="timed segments per variant (median reported)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--data-root", default=str(SHARED), help="folder holding MNIST/raw/*.gz")
    ap.add_argument("--peak-size", type=int, default=2048, help="n of the n×n matmul that measures the peak")
    ap.add_argument("--unrolled", default="1,5,10", help="k values for the unrolled cost ('' to skip)")
    ap.add_argument("--allocator", choices=["steady", "default"], default="steady",
                    help="steady: glibc malloc keeps freed memory (re-runs the script with MALLOC_* set); default: as is")
    args = ap.parse_args(argv)
    steady = all(os.environ.get(k) == v for k, v in STEADY_MALLOC.items())
    if args.allocator == "steady" and not steady and reexec:
        os.execve(sys.executable, [sys.executable, __file__, *(sys.argv[1:] if argv is None else argv)], {**os.environ, **STEADY_MALLOC})
    if args.threads:
        torch.set_num_threads(args.threads)
    if not (Path(args.data_root) / "MNIST" / "raw").is_dir():
        print(f"bench: MNIST not found under {args.data_root}/MNIST/raw (use --data-root)", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}; "
          f"{args.repeats}×{args.steps} timed steps per variant, interleaved, medians; "
          f"allocator: {'steady (glibc keeps freed memory)' if steady else 'glibc defaults'}")
    peaks = {"fp32": matmul_peak(torch.float32, args.peak_size), "bf16": matmul_peak(torch.bfloat16, args.peak_size)}
    print(f"matmul peak ({args.peak_size}², best of 10): fp32 {peaks['fp32']:.1f} GFLOP/s, bf16 {peaks['bf16']:.1f} GFLOP/s")
    with tempfile.TemporaryDirectory() as tmp:
        tv_root = mnist_for_torchvision(Path(args.data_root), Path(tmp))
        for model in MODELS:
            t, reuse = trainer(model, args.data_root), trainer(model, args.data_root, "train.reuse_fake=true")
            ref = Reference(t, tv_root)
            variants = {"reference": ref.train_step, "divgan": t.train_step, "divgan reuse": reuse.train_step}
            convolutional = bool(image_layers(t.G, t.D))
            if convolutional:
                variants["stock image layers"] = partial(_run_stock, trainer(model, args.data_root, "train.reuse_fake=true"))
            sec = interleaved(variants, args.steps, args.repeats)
            flops = {"reference": flops_per_step(ref.train_step), "divgan": flops_per_step(t.train_step, t.G, t.D),
                     "divgan reuse": flops_per_step(reuse.train_step, reuse.G, reuse.D)}
            flops["stock image layers"] = flops["divgan reuse"]
            prec = "bf16" if t.bf16 else "fp32"
            print(f"\n{model}  (divgan: {prec}, channels_last={t.channels_last}; reference: fp32, DataLoader+ToTensor/Normalize)")
            for name, s in sec.items():
                print(f"  {name:18s} {BATCH / s:9.0f} img/s   {s * 1e3:8.2f} ms/step   {flops[name] / BATCH / 1e6:8.2f} MFLOP/image"
                      f"   {flops[name] / s / 1e9:7.1f} GFLOP/s")
            print(f"  ratio divgan / reference: {sec['reference'] / sec['divgan']:.2f}×   "
                  f"divgan reuse / reference: {sec['reference'] / sec['divgan reuse']:.2f}×")
            if convolutional:
                print(f"  sub-pixel image layers: the divgan reuse step is {sec['stock image layers'] / sec['divgan reuse']:.3f}× "
                      f"as fast as with stock layers ({sec['reference'] / sec['stock image layers']:.2f}× the reference)")
            for name in ("divgan", "divgan reuse"):
                achieved = flops[name] / sec[name] / 1e9
                print(f"  {name}: {achieved:.1f} GFLOP/s = {100 * achieved / peaks[prec]:.0f}% of the {prec} matmul peak"
                      f" ({100 * achieved / peaks['fp32']:.0f}% of fp32)")
            kern, total = kernel_share(reuse.train_step)
            ceiling = flops["divgan reuse"] / kern / 1e9
            print(f"  divgan reuse, profiled: {kern * 1e3:.2f} of {total * 1e3:.2f} ms/step in convolution/GEMM kernels"
                  f" ({100 * kern / total:.0f}%); with every other op free it would reach {ceiling:.0f} GFLOP/s"
                  f" = {100 * ceiling / peaks[prec]:.0f}% of the {prec} peak (the kernels' own ceiling)")
            print(f"  peak RSS so far: {peak_rss_mb():.0f} MB")
            del t, reuse, ref, variants
    ks = [int(k) for k in args.unrolled.split(",") if k.strip()]
    if ks:
        print("\nunrolled GAN cost, MLP GAN (second-order), per step relative to k = 0:")
        variants = {k: trainer("MLP GAN", args.data_root, f"tricks.unrolled.steps={k}").train_step for k in [0, *ks]}
        sec = interleaved(variants, max(2, args.steps // 4), args.repeats)
        for k in ks:
            print(f"  k = {k:2d}: {sec[k] / sec[0]:5.2f}× the k = 0 step   (bound 1 + 3k = {1 + 3 * k})")
        print(f"  peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(reexec=True))
