"""``divgan theory RUN_DIR``: check a trained toy run against the theory (D vs D*, C(G) = −log 4 + 2·JSD)."""
from __future__ import annotations

import json
import math
from pathlib import Path

from . import add_run_args, command, run_trainer


@command("theory")
class Theory:
    help = "check a trained toy run against the theory: D vs D* = p/(p+q), value vs −log 4 + 2·JSD, T vs f'(p/q)"

    @staticmethod
    def configure(p):
        add_run_args(p)
        p.add_argument("--n", type=int, default=5000, help="generator and data samples (default: 5000)")
        p.add_argument("--out", default=None, help="folder for theory.json and theory.png (default: the run directory)")

    @staticmethod
    def run(args) -> int:
        import torch

        from ..estimators import GaussianKDE
        from ..errors import DivganError
        from ..theory import run_report
        from ..viz.theory import plot_d_vs_optimal

        if args.n < 10:
            raise DivganError("--n must be at least 10")
        trainer = run_trainer(args)
        rep = run_report(trainer, n=args.n, seed=args.seed)
        out = Path(args.out or args.run_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "theory.json").write_text(json.dumps(rep, indent=1))
        kde = GaussianKDE(trainer.sample(min(args.n, 2500), seed=args.seed + 1).reshape(-1, trainer.data.dim).double(), rep["bandwidth"])
        fig = plot_d_vs_optimal(trainer.data, lambda x: torch.sigmoid(trainer.D_eval(x.float())).double(), kde.log_prob,
                                out / "theory.png", title=f"step {trainer.step}: sigmoid of the critic vs D* (q̂: KDE of generator samples)")
        lines = [f"theory check of {args.run_dir} at step {trainer.step} (q: KDE of {args.n} generator samples, h={rep['bandwidth']:.3g})"]
        if "d_mae" in rep:
            lines.append(f"  mean |D − D*| over samples of (p+q)/2:      {rep['d_mae']:.4f}")
        if "t_mae" in rep and not math.isnan(rep["t_mae"]):
            lines.append(f"  mean |T − f'(p/q)| where 0.05 < D* < 0.95:  {rep['t_mae']:.4f}")
        if "game_value" in rep:
            lines.append(f"  V(D, G) at the trained D (≤ C(G)):          {rep['game_value']:.4f}")
        lines += [f"  C(G) = E_p log D* + E_q log(1 − D*):         {rep['C_at_D_star']:.4f}",
                  f"  −log 4 + 2·JSD(p‖q):                         {rep['minus_log4_plus_2jsd']:.4f}  (JSD = {rep['jsd']:.4f})",
                  f"  KL(p‖q) = {rep['kl_pq']:.4f}   KL(q‖p) = {rep['kl_qp']:.4f}"]
        if "bound" in rep:
            lines.append(f"  f-GAN bound at the trained critic: {rep['bound']:.4f}  ≤  D_f(p‖q) = E_q f(p/q) "
                         f"({trainer.objective.divergence}): {rep['divergence']:.4f}")
        print("\n".join(lines))
        print(f"wrote {out / 'theory.json'} and {fig}")
        return 0
