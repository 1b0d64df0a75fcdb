"""Latent walks (DCGAN's "walking in the latent space"): linear or spherical interpolation between
random or given latents, as a grid image (one walk per row) and an animated GIF (a loop through the
keypoints). The interpolation functions are torch-fidelity's (``lerp``, ``slerp_any``)."""
from __future__ import annotations

from pathlib import Path

import torch
from torch_fidelity.noise import batch_lerp, batch_slerp_any
from torchvision.utils import make_grid

from ..errors import DivganError
from ..pixels import to_unit

METHODS = {"linear": batch_lerp, "spherical": batch_slerp_any}


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "spherical") -> torch.Tensor:
    """Latents from a to b (both R×L) in ``steps`` equal steps of t: shape R×steps×L (ends included)."""
    if method not in METHODS:
        raise DivganError(f"unknown interpolation {method!r}; allowed: {', '.join(METHODS)}")
    if steps < 2:
        raise DivganError("a walk needs at least 2 steps")
    ts = torch.linspace(0, 1, steps).tolist()
    return torch.stack([METHODS[method](a, b, t) for t in ts], 1)


def loop_path(keys: torch.Tensor, steps: int, method: str = "spherical") -> torch.Tensor:
    """A closed path through keypoints K×L (k0 → k1 → … → k0): (K·(steps−1))×L latents."""
    nxt = torch.roll(keys, -1, 0)
    return interpolate(keys, nxt, steps, method)[:, :-1].reshape(-1, keys.shape[1])


def walk_grid(trainer, z_from: torch.Tensor, z_to: torch.Tensor, steps: int, method: str, path: Path,
              labels: torch.Tensor | None = None) -> Path:
    """One walk per row, ``steps`` images per row, saved as a PNG grid; a conditional run's row r
    keeps class ``labels[r]`` along its walk."""
    from ..viz.grids import save_grid

    z = interpolate(z_from, z_to, steps, method)
    y = None if labels is None else labels.repeat_interleave(steps)
    images = trainer.sample(z.shape[0] * steps, z=z.reshape(-1, z.shape[-1]), labels=y)
    return save_grid(images, path, nrow=steps)


def code_walk(codes, rows: int, steps: int, code: int, generator: torch.Generator | None = None,
              span: float = 2.0) -> tuple[torch.Tensor, int]:
    """InfoGAN: latents that vary one code with the noise and the other codes fixed (Chen et al.
    2016, Fig. 2): ``rows`` random bases; code ``code`` (categorical codes first, then continuous ones)
    takes each of its values (categorical) or ``steps`` values from −span to span (continuous).
    Returns (rows·S)×L latents, row by row, and S, the images per row."""
    spec = codes.spec
    n_cat, n = len(spec.categorical), len(spec.categorical) + spec.continuous
    if n == 0 or not 0 <= code < n:
        raise DivganError(f"--code {code}: this generator has {n} codes (0..{n - 1}: {n_cat} categorical first, then "
                          f"{spec.continuous} continuous)" if n else "--code needs an InfoGAN run (generator.codes set)")
    base = codes.sample(rows, generator)
    parts = codes.split(base)
    values = torch.arange(spec.categorical[code]).float() if code < n_cat else torch.linspace(-span, span, steps)
    S = len(values)
    noise = base[:, :codes.noise_dim].repeat_interleave(S, 0)
    cat, cont = parts.categorical.repeat_interleave(S, 0).clone(), parts.continuous.repeat_interleave(S, 0).clone()
    if code < n_cat:
        cat[:, code] = values.long().repeat(rows)
    else:
        cont[:, code - n_cat] = values.repeat(rows)
    return codes.compose(noise, cat, cont), S


def walk_gif(trainer, keys: torch.Tensor, steps: int, method: str, path: Path, tiles: int = 1, scale: int = 4,
             ms: int = 80, labels: torch.Tensor | None = None) -> Path:
    """An animated GIF looping through keypoints; ``keys`` is K×L (one walk) or K×T×L (T walks shown
    side by side in each frame). Frames are upscaled ``scale``× (nearest neighbour) for visibility. A
    conditional run's walk j keeps class ``labels[j]``."""
    from PIL import Image

    keys = keys if keys.dim() == 3 else keys[:, None]
    paths = torch.stack([loop_path(keys[:, j], steps, method) for j in range(keys.shape[1])], 1)  # F×T×L
    y = None if labels is None else labels[:paths.shape[1]].repeat(paths.shape[0])
    images = trainer.sample(paths.shape[0] * paths.shape[1], z=paths.reshape(-1, paths.shape[-1]), labels=y)
    images = images.reshape(paths.shape[0], paths.shape[1], *images.shape[1:])
    frames = []
    for frame in images:
        grid = make_grid(to_unit(frame), nrow=max(1, int(tiles)), padding=2, pad_value=1.0)
        arr = (grid * 255).round().byte().permute(1, 2, 0).numpy()
        img = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
        frames.append(img.resize((img.width * scale, img.height * scale), Image.NEAREST))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=ms, loop=0)
    return Path(path)
