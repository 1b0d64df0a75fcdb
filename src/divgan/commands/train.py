"""``divgan train [PRESET|CONFIG.yaml] [--out DIR] [--set key=value ...]`` and ``--resume DIR``."""
from __future__ import annotations

import signal
import sys

from . import add_config_args, add_fallback_arg, command


def print_summary(run) -> None:
    s = run.summary
    if s.get("interrupted"):
        name = signal.Signals(s["signal"]).name
        print(f"stopped by {name} at step {s['step']}; checkpoint written. Continue with: divgan train --resume {run.path}")
        return
    final = s.get("final", {})
    print(f"done: {s['steps']} steps in {s['seconds']:.1f} s")
    if "modes" in final:
        hq = f"high-quality samples: {final['high_quality']:.1f}%   " if "high_quality" in final else ""  # toys only
        print(f"modes covered: {final['modes']}/{final['modes_total']}   {hq}KL(modes ‖ uniform): {final['kl_uniform']:.3f}")
    shown = {k: v for k, v in final.items() if k not in ("step", "modes", "modes_total", "high_quality", "kl_uniform") and v is not None}
    if shown:
        print("   ".join(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in shown.items()))
    if run.path:
        print(f"run directory: {run.path}")
        for name, rel in (s.get("figures") or {}).items():
            print(f"  {name}: {run.path / rel}")


@command("train")
class Train:
    help = "train a GAN (default: the 8-Gaussian ring) and write a run directory"

    @staticmethod
    def configure(p):
        add_config_args(p)
        p.add_argument("--out", help="run directory (default: runs/<preset>-<time>)")
        p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its newest checkpoint")
        p.add_argument("--force", action="store_true", help="replace an existing run in --out")
        add_fallback_arg(p)
        p.add_argument("--live", nargs="?", type=int, const=8765, metavar="PORT",  # live page (issue 22)
                       help="serve a live page of the run on 127.0.0.1:PORT (default 8765, 0 = any free port)")
        p.add_argument("--host", help="with --live: listen on this address instead of 127.0.0.1 (shares the page; warns)")

    @staticmethod
    def run(args) -> int:
        import divgan
        from ..api import default_out
        from ..live.session import LiveSession
        from ..train import distributed

        if args.resume:
            if args.config:
                print("divgan: error: --resume takes its config from the run; pass changes with --set", file=sys.stderr)
                return 2
        out = args.resume or args.out or default_out(args.config)  # live page (issue 22): the path first
        live = LiveSession.maybe(out, args.live, args.host)
        run = None
        try:  # under torchrun every process runs this; the trainer joins the process group
            if args.resume:
                run = divgan.resume(args.resume, args.overrides, fallback=args.fallback, extra_callbacks=live and live.callbacks)
            else:
                run = divgan.train(args.config, out=out, overrides=args.overrides, force=args.force, extra_callbacks=live and live.callbacks)
        finally:
            if live:
                live.close(run and run.summary)
            distributed.shutdown()
        if run.trainer.dist.is_main:
            print_summary(run)
        if run.summary.get("interrupted"):
            return 128 + run.summary["signal"]
        return 0
