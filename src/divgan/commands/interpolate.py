"""``divgan interpolate RUN_DIR``: latent walks as a PNG grid and an animated GIF."""
from __future__ import annotations

from pathlib import Path

from . import add_run_args, command, run_trainer


def load_latents(path: str, dim: int):
    """K×dim keypoints from a .npy file, checked."""
    import numpy as np
    import torch

    from ..errors import DivganError

    try:
        z = torch.from_numpy(np.load(path)).float()
    except (OSError, ValueError) as e:
        raise DivganError(f"--z {path}: cannot read a .npy array ({e})") from None
    if z.dim() != 2 or z.shape[1] != dim or len(z) < 2:
        raise DivganError(f"--z {path}: expected an array K×{dim} with K ≥ 2, got {tuple(z.shape)}")
    return z


@command("interpolate")
class Interpolate:
    help = "walk in latent space: linear or spherical interpolation, a grid PNG and an animated GIF"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--method", choices=("spherical", "linear"), default="spherical")
        p.add_argument("--rows", type=int, default=8, help="walks in the grid (random endpoint pairs)")
        p.add_argument("--steps", type=int, default=10, help="images per walk")
        p.add_argument("--keys", type=int, default=4, help="keypoints of the GIF's loop")
        p.add_argument("--z", metavar="FILE.npy", help="given latents K×latent_dim: the grid walks z[0]→z[1], z[2]→z[3], …; the GIF loops through all")
        p.add_argument("--out", help="grid PNG (default RUN_DIR/samples/walk_<method>.png)")
        p.add_argument("--gif", help="animated GIF (default beside the PNG, .gif)")
        p.add_argument("--class", dest="cls", type=int, metavar="K", help="conditional runs: every walk of class K "
                       "(default: walk r of class r mod K)")
        p.add_argument("--code", type=int, metavar="I", help="InfoGAN runs: vary code I (categorical codes first, then "
                       "continuous, from -2 to 2) with the noise and the other codes fixed; one base per row (PNG only)")

    @staticmethod
    def run(args) -> int:
        import torch
        from tqdm import tqdm

        from ..analysis.walks import walk_gif, walk_grid
        from ..errors import DivganError
        from ..models.conditioning import sample_latent

        if args.rows < 1 or args.keys < 2:
            raise DivganError("--rows must be ≥ 1 and --keys ≥ 2")
        trainer = run_trainer(args, "image")
        dim = trainer.G.latent_dim
        g = torch.Generator().manual_seed(args.seed)
        if args.code is not None:
            return walk_code(trainer, args, g)
        if args.z:
            keys = load_latents(args.z, dim)
            pairs = keys[: len(keys) // 2 * 2].reshape(-1, 2, dim)
            a, b, gif_keys = pairs[:, 0], pairs[:, 1], keys
        else:
            # endpoints from the generator's prior (N(0, I), or InfoGAN's noise and one-hot codes)
            a, b = sample_latent(trainer.G, args.rows, g), sample_latent(trainer.G, args.rows, g)
            gif_keys = sample_latent(trainer.G, args.keys * 4, g).reshape(args.keys, 4, dim)
        out = Path(args.out) if args.out else trainer.run.samples / f"walk_{args.method}.png"
        gif = Path(args.gif) if args.gif else out.with_suffix(".gif")
        out.parent.mkdir(parents=True, exist_ok=True)
        with tqdm(total=2, desc="walks", unit="figure") as bar:
            walk_grid(trainer, a, b, args.steps, args.method, out, labels=row_labels(trainer, args.cls, len(a)))
            bar.update()
            walk_gif(trainer, gif_keys, args.steps, args.method, gif, tiles=2, labels=row_labels(trainer, args.cls, gif_keys.shape[1] if gif_keys.dim() == 3 else 1))
            bar.update()
        print(f"wrote {out}\nwrote {gif}")
        return 0


def row_labels(trainer, cls: int | None, rows: int):
    """The class of each walk: ``cls`` for all, or row r of class r mod K; None for unconditional runs
    (where --class is an error)."""
    if cls is None and not trainer.conditional:
        return None
    return trainer.asked_labels(rows, None if cls is None else [cls])


def walk_code(trainer, args, g) -> int:
    """--code I: one row per random base, the code's values along the row (docs/conditional.md)."""
    from ..analysis.walks import code_walk
    from ..errors import DivganError
    from ..viz.grids import save_grid

    if getattr(trainer.G, "codes", None) is None:
        raise DivganError("--code needs an InfoGAN run (generator.codes set); this run's generator has no latent codes")
    z, per_row = code_walk(trainer.G.codes, args.rows, args.steps, args.code, g)
    labels = row_labels(trainer, args.cls, args.rows)
    images = trainer.sample(len(z), z=z, labels=None if labels is None else labels.repeat_interleave(per_row))
    out = Path(args.out) if args.out else trainer.run.samples / f"walk_code{args.code}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    save_grid(images, out, nrow=per_row)
    print(f"wrote {out}")
    return 0
