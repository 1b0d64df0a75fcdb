"""``divgan sample RUN_DIR --n N --out FILE.npy|FILE.png [--seed S] [--class K | --classes A,B,C]``."""
from pathlib import Path

from ..errors import DivganError
from . import add_run_args, command, run_trainer


def parse_classes(one: int | None, many: str | None) -> list[int] | None:
    """--class K / --classes A,B,C as a list of class indices (None: neither given)."""
    if one is not None and many is not None:
        raise DivganError("give --class or --classes, not both")
    if one is not None:
        return [one]
    if many is None:
        return None
    try:
        out = [int(v) for v in many.split(",") if v.strip()]
    except ValueError:
        raise DivganError(f"--classes {many!r}: expected class indices separated by commas, e.g. 0,1,2") from None
    if not out:
        raise DivganError("--classes: give at least one class index, e.g. 0,1,2")
    return out


@command("sample")
class Sample:
    help = "draw samples from a trained run (.npy array or .png grid); conditional runs: --class / --classes"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--n", type=int, default=64)
        p.add_argument("--out", required=True, help="FILE.npy (toys: float32 N×D; images: uint8 N×C×H×W; conditional "
                       "runs also write FILE_labels.npy) or FILE.png (conditional image runs: one row per class)")
        p.add_argument("--class", dest="cls", type=int, metavar="K", help="conditional runs: every sample of class K")
        p.add_argument("--classes", metavar="A,B,C", help="conditional runs: samples of these classes in turn "
                       "(default: every class in turn)")

    @staticmethod
    def run(args) -> int:
        import numpy as np

        from ..api import sample_from
        from ..viz.grids import class_rows, save_grid, to_uint8

        if args.n < 1:
            raise DivganError("--n must be at least 1")
        out = Path(args.out)
        if out.suffix not in (".npy", ".png"):
            raise DivganError(f"--out must end in .npy or .png, got {out.name}")
        classes = parse_classes(args.cls, args.classes)
        trainer = run_trainer(args)
        x, y = sample_from(trainer, args.n, labels=classes, seed=args.seed)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".png":
            if trainer.data.kind != "image":
                from ..viz.toy import plot_density_panels, snapshot

                snap = snapshot(trainer)
                snap["samples"] = x
                plot_density_panels(trainer.data, [snap], out)
            elif y is not None and len(set(y.tolist())) > 1:
                rows, width = class_rows(x, y, trainer.num_classes)
                save_grid(rows, out, nrow=width)
            else:
                save_grid(x, out)
        else:
            np.save(out, to_uint8(x).numpy() if trainer.data.kind == "image" else x.numpy().astype(np.float32))
            if y is not None:
                np.save(out.with_name(out.stem + "_labels.npy"), y.numpy())
        print(f"wrote {args.n} samples to {out}" + ("" if y is None else f" (classes {sorted(set(y.tolist()))})"))
        return 0
