"""``divgan export RUN_DIR --format safetensors|torchscript [--out FILE]``: the generator alone."""
from __future__ import annotations

from pathlib import Path

from . import add_fallback_arg, command, run_trainer

SUFFIX = {"safetensors": ".safetensors", "torchscript": ".torchscript.pt"}


@command("export")
class Export:
    help = "export a run's generator alone: safetensors (weights, no pickle) or TorchScript"

    @staticmethod
    def configure(p):
        p.add_argument("run_dir")
        p.add_argument("--format", choices=sorted(SUFFIX), default="safetensors", help="file format (default: safetensors)")
        p.add_argument("--out", help="output file (default: RUN_DIR/generator.safetensors or generator.torchscript.pt)")
        p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the latest")
        add_fallback_arg(p)

    @staticmethod
    def run(args) -> int:
        from ..export import export_generator

        trainer = run_trainer(args)
        out = Path(args.out) if args.out else Path(args.run_dir) / f"generator{SUFFIX[args.format]}"
        export_generator(trainer, args.format, out)
        print(f"wrote the generator (step {trainer.step}, latent_dim {trainer.G.latent_dim}) to {out}")
        return 0
