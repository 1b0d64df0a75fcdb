"""``divgan sample RUN_DIR --n N --out FILE.npy|FILE.png [--seed S]``."""
from pathlib import Path

from ..errors import DivganError
from . import add_run_args, command, run_trainer


@command("sample")
class Sample:
    help = "draw samples from a trained run (.npy array or .png grid)"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--n", type=int, default=64)
        p.add_argument("--out", required=True, help="FILE.npy (toys: float32 N×D; images: uint8 N×C×H×W) or FILE.png")

    @staticmethod
    def run(args) -> int:
        import numpy as np
        import torch

        from ..viz.grids import save_grid, to_uint8

        if args.n < 1:
            raise DivganError("--n must be at least 1")
        out = Path(args.out)
        if out.suffix not in (".npy", ".png"):
            raise DivganError(f"--out must end in .npy or .png, got {out.name}")
        trainer = run_trainer(args)
        z = torch.randn(args.n, trainer.G.latent_dim, generator=torch.Generator().manual_seed(args.seed))
        x = trainer.sample(args.n, z=z)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".png":
            if trainer.data.kind != "image":
                from ..viz.toy import plot_density_panels, snapshot

                snap = snapshot(trainer)
                snap["samples"] = x
                plot_density_panels(trainer.data, [snap], out)
            else:
                save_grid(x, out)
        elif trainer.data.kind == "image":
            np.save(out, to_uint8(x).numpy())
        else:
            np.save(out, x.numpy().astype(np.float32))
        print(f"wrote {args.n} samples to {out}")
        return 0
