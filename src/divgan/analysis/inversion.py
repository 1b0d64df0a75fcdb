"""Inversion: recover z for a given image by minimising ‖G(z) − x‖² (Metz et al. 2016, Fig. 5).

Each target is fitted from several random starts z ~ N(0, I) (all starts and targets in one batch);
the best start per target is kept. Optimisers: Adam (``lr`` 0.05) or L-BFGS (strong-Wolfe line
search). The reported error is the mean squared error on [0, 1] pixels, averaged over the targets;
the generator is in eval mode (batch norm uses its running statistics).
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch
from tqdm import tqdm

from ..errors import DivganError

METHODS = ("adam", "lbfgs")


def _mse01(fake: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-image MSE on [0, 1] pixels of images in [-1, 1]."""
    return (((fake - x) / 2) ** 2).flatten(1).mean(1)


def invert(G, x: torch.Tensor, starts: int = 4, steps: int = 300, method: str = "adam", lr: float = 0.05,
           seed: int = 0, progress: bool = False) -> dict:
    """Fit z to images ``x`` (N×C×H×W in [-1, 1]); returns {z, recon, mse (per image), mse_mean}."""
    if method not in METHODS:
        raise DivganError(f"unknown inversion method {method!r}; allowed: {', '.join(METHODS)}")
    if starts < 1 or steps < 1:
        raise DivganError("--starts and --steps must be at least 1")
    was = G.training
    G.eval()
    device = next(G.parameters()).device
    n = len(x)
    target = x.float().to(device).repeat(starts, *[1] * (x.dim() - 1))
    z = torch.randn(starts * n, G.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device).requires_grad_(True)
    params = list(G.parameters())
    flags = [p.requires_grad for p in params]
    G.requires_grad_(False)

    def loss_fn():
        return _mse01(G(z), target).sum()  # separable: each start's gradient is its own

    try:
        bar = tqdm(range(steps), desc=f"invert ({method})", unit="step", disable=not progress, file=sys.stderr)
        if method == "adam":
            opt = torch.optim.Adam([z], lr=lr)
            for _ in bar:
                opt.zero_grad(set_to_none=True)
                loss = loss_fn()
                loss.backward()
                opt.step()
        else:
            opt = torch.optim.LBFGS([z], lr=1.0, max_iter=20, history_size=20, line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad(set_to_none=True)
                loss = loss_fn()
                loss.backward()
                return loss

            for _ in bar:
                opt.step(closure)
        with torch.no_grad():
            recon = G(z)
            mse = _mse01(recon, target).reshape(starts, n)
            best = mse.argmin(0)
            pick = best * n + torch.arange(n, device=device)
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)
        G.train(was)
    per = mse.min(0).values.cpu()
    zs = z.detach()[pick].cpu()
    return {"z": zs, "recon": recon[pick].float().cpu(), "mse": per, "mse_mean": float(per.mean()),
            "mse_first_start": float(mse[0].mean()), "z_rms": float(zs.pow(2).mean(1).sqrt().mean())}


def inversion_figure(targets: torch.Tensor, recon: torch.Tensor, path: Path) -> Path:
    """Targets above their reconstructions, pairs of rows labelled "target" and "reconstruction",
    at least 10 columns wide and ``MIN_WIDTH`` px across (nearest neighbour)."""
    import matplotlib.pyplot as plt

    from ..viz.grids import MIN_WIDTH, grid_image

    cols = min(len(targets), 10)
    rows = []
    for i in range(0, len(targets), cols):
        t, r = targets[i:i + cols].float(), recon[i:i + cols].float().cpu()
        pad = cols - len(t)
        if pad:
            blank = torch.ones(pad, *t.shape[1:])
            t, r = torch.cat([t, blank]), torch.cat([r, blank])
        rows += [t, r]
    img = grid_image(torch.cat(rows), nrow=cols, min_width=MIN_WIDTH)
    h, w = img.shape[1:]
    n_rows = len(rows)
    fig_w = w / 100 + 1.3  # 100 dpi: one image pixel per screen pixel, plus a margin for the labels
    fig, ax = plt.subplots(figsize=(fig_w, h / 100 + 0.3))
    ax.imshow(img.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_yticks([(i + 0.5) * h / n_rows for i in range(n_rows)])
    ax.set_yticklabels(["target" if i % 2 == 0 else "reconstruction" for i in range(n_rows)], fontsize=10)
    ax.set_xticks([])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return Path(path)
