"""``divgan theory RUN_DIR``: check a trained toy run against the theory (V(D, G) vs C(G), D vs D*, JSD two ways)."""
from __future__ import annotations

import json
import math
from pathlib import Path

from . import add_run_args, command, run_trainer


@command("theory")
class Theory:
    help = ("check a trained toy run against the theory: V(D, G) ≤ C(G) and their gap, D vs D* = p/(p+q), "
            "JSD by Monte Carlo vs quadrature, T vs f'(p/q)")

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
        if "game_value" in rep:
            lines += [f"  C(G) = E_p log D* + E_q log(1 − D*) at D* = p/(p+q):  {rep['C_at_D_star']:.4f} ± {rep['C_se']:.4f}",
                      f"  V(D, G) = E_p log D + E_q log(1 − D) at the trained D: {rep['game_value']:.4f}",
                      f"  gap C(G) − V(D, G) (≥ 0; 0 iff D = D*):             {rep['gap']:.4f} ± {rep['gap_se']:.4f}",
                      f"  mean |D − D*| over samples of (p+q)/2:               {rep['d_mae']:.4f}"]
        if "t_mae" in rep and not math.isnan(rep["t_mae"]):
            lines.append(f"  mean |T − f'(p/q)| where 0.05 < D* < 0.95:           {rep['t_mae']:.4f}")
        lines.append(f"  JSD(p‖q) by Monte Carlo over G's samples (q by KDE):   {rep['jsd']:.4f}"
                     + (f"   lower bound from D: (V + log 4)/2 = {rep['jsd_from_D']:.4f}" if "jsd_from_D" in rep else ""))
        lines.append(f"  JSD(p‖q̂) of the KDE q̂: Monte Carlo {rep['jsd_kde_mc']:.4f}, quadrature on a grid "
                     f"(spacing {rep['grid_spacing']:.2g}) {rep['jsd_reference']:.4f}")
        lines.append(f"  KL(p‖q) = {rep['kl_pq']:.4f}   KL(q‖p) = {rep['kl_qp']:.4f}")
        if "bound" in rep:
            lines.append(f"  f-GAN bound at the trained critic: {rep['bound']:.4f}  ≤  D_f(p‖q) = E_q f(p/q) "
                         f"({trainer.objective.divergence}): {rep['divergence']:.4f}")
        lines += [f"  {'ok  ' if c['ok'] else 'FAIL'} {c['text']}" for c in rep["checks"]]
        print("\n".join(lines))
        print(f"wrote {out / 'theory.json'} and {fig}")
        if out.resolve() == Path(args.run_dir).resolve():  # the run's report page shows theory.png
            from ..viz.report import write_report

            print(f"updated {write_report(out)}")
        return 0
