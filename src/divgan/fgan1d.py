"""The f-GAN 1-D experiment (Nowozin et al. 2016, Sec. 5.1) and the lecture's "divergence convergence".

Fit a Gaussian N(μ, σ²) to a 1-D mixture p in two ways, for every registered divergence:
- ``direct_fit``: minimise D_f(P‖N(μ, σ²)) over (μ, log σ) directly, the divergence computed by
  quadrature (Nelder–Mead from several starts, the best kept);
- ``game_fit``: the f-GAN game of ``divgan.objectives.FGAN`` run by the library's own training loop
  (``Trainer.train_step``), with the Gaussian generator (``generator.name: gaussian``) or a small MLP
  generator, and either generator loss. The *saturating* form (G minimises the bound itself) follows
  ∇_θ D_f(P‖Q_θ) when the critic is optimal (envelope theorem), so its fixed point is the direct
  minimiser. The *alternative* form (G maximises E_Q[g_f(V)], the library default) only shares the
  fixed point q = p: for a misspecified model it can land elsewhere (with the optimal KL critic
  T* = 1 + log(p/q), its update ∫∇q·T* is −∇KL(Q‖P), a reverse-KL step), and it is the form that
  makes the reverse-KL game converge. The reported fit is the average of (μ, σ) over the last quarter of the steps (for the MLP:
  the mean and std of its samples); D_f at the fit is computed by quadrature (MLP: from a KDE of its
  samples), and "bound" is the running estimate E_P[T] − E_Q[f*(T)] logged by the trainer.
The default mixture is symmetric (modes at ±2), so fits are reported with μ ≥ 0 (x → −x is a symmetry).
"""
from __future__ import annotations

import math

import torch
from scipy.optimize import minimize

from .estimators import GaussianKDE, f_divergence_grid, f_divergence_terms, gaussian_log_prob, grid
from .divergences import DIVERGENCES

MIXTURE = {"name": "mixture1d", "means": [-2.0, 2.0], "stds": [0.5, 0.5]}
STARTS = [(0.25, 1.0), (0.25, 3.0), (2.0, 0.5)]
SIGMA_MIN = 0.05


def mixture(section: dict | None = None):
    """The 1-D data distribution (a ``mixture1d`` dataset) from a config section."""
    from .data import build_dataset

    return build_dataset(section or MIXTURE)


def quadrature_grid(data, n: int = 2001):
    lo, hi = data.bounds(margin=10.0)
    span = max(abs(lo[0]), abs(hi[0])) + 4.0
    return grid([-span], [span], n)


def direct_fit(name: str, data, starts=STARTS, points=None) -> dict:
    """argmin over (μ, σ) of D_f(P‖N(μ, σ²)) by quadrature: {"mu", "sigma", "value"}."""
    div = DIVERGENCES[name]
    pts, cell = points or quadrature_grid(data)
    lp = data.log_prob(pts)

    def objective(theta):
        mu, log_sigma = theta
        sigma = max(math.exp(log_sigma), SIGMA_MIN)
        v = float(f_divergence_terms(div, lp, gaussian_log_prob(mu, sigma)(pts)).sum() * cell)
        return v if math.isfinite(v) else 1e30

    best = None
    for mu0, s0 in starts:
        res = minimize(objective, [mu0, math.log(s0)], method="Nelder-Mead",
                       options={"xatol": 1e-5, "fatol": 1e-9, "maxiter": 2000})
        if best is None or res.fun < best.fun - 1e-9:
            best = res
    mu, sigma = float(best.x[0]), max(math.exp(float(best.x[1])), SIGMA_MIN)
    return {"mu": abs(mu), "sigma": sigma, "value": float(best.fun)}


def game_config(name: str, generator: str = "gaussian", steps: int = 2000, seed: int = 0, data: dict | None = None,
                generator_loss: str = "alternative") -> dict:
    """The training config of one f-GAN game on the 1-D mixture."""
    gen = ({"name": "gaussian", "init_mean": 0.25, "init_std": 1.0} if generator == "gaussian"
           else {"name": "mlp", "latent_dim": 4, "hidden": [32, 32], "activation": "elu"})
    return {
        "seed": seed,
        "data": data or MIXTURE,
        "generator": gen,
        "discriminator": {"name": "mlp", "hidden": [64, 64], "activation": "elu"},
        "objective": {"name": "fgan", "divergence": name, "generator_loss": generator_loss},
        "optim": {"name": "adam", "lr_g": 0.03 if generator == "gaussian" else 0.002, "lr_d": 0.003, "betas": [0.5, 0.999]},
        "train": {"steps": steps, "batch_size": 512, "d_steps": 1, "device": "cpu", "progress": False},
        "eval": {"metrics": []},
    }


def game_fit(name: str, generator: str = "gaussian", steps: int = 2000, seed: int = 0, data: dict | None = None,
             generator_loss: str = "alternative", n_eval: int = 5000) -> dict:
    """Fit by the f-GAN game: {"mu", "sigma", "value" (D_f at the fit), "bound", "trainer"}."""
    from .config import load_config
    from .train.trainer import Trainer

    cfg = load_config(game_config(name, generator, steps, seed, data, generator_loss))
    trainer = Trainer(cfg, log=lambda m: None)
    tail = max(1, steps // 4)
    trace = []
    for _ in range(steps):
        trainer.train_step()
        if generator == "gaussian" and trainer.step > steps - tail:
            trace.append((float(trainer.G.mu.detach()), float(trainer.G.sigma.detach())))
    data_dist, div = trainer.data, DIVERGENCES[name]
    pts, cell = quadrature_grid(data_dist)
    if generator == "gaussian":
        mu, sigma = (sum(v) / len(v) for v in zip(*trace))
        value = f_divergence_grid(div, data_dist.log_prob, gaussian_log_prob(mu, sigma), pts, cell)
        samples = None
    else:
        samples = trainer.sample(n_eval, seed=seed + 1).reshape(-1).double()
        mu, sigma = float(samples.mean()), float(samples.std())
        kde = GaussianKDE(samples[:, None])
        value = f_divergence_grid(div, data_dist.log_prob, kde.log_prob, pts, cell)
    return {"mu": abs(mu), "sigma": sigma, "value": value, "bound": trainer.recent("value", tail),
            "samples": samples, "trainer": trainer}


def diverged(fit: dict, limit: float = 1e6) -> str | None:
    """Why a game's fit is meaningless (a value non-finite or beyond ``limit``: the game blew up), or None."""
    bad = {k: fit[k] for k in ("mu", "sigma", "value", "bound")
           if isinstance(fit.get(k), float) and not (math.isfinite(fit[k]) and abs(fit[k]) < limit)}
    return ("diverged: " + ", ".join(f"{k} = {v:.3g}" for k, v in bad.items())) if bad else None


GAMES = {"saturating": ("gaussian", "saturating"), "alternative": ("gaussian", "alternative"), "mlp": ("mlp", "saturating")}


def experiment(names=None, steps: int = 1000, games=tuple(GAMES), seed: int = 0, data: dict | None = None, log=print) -> list[dict]:
    """The full table: for each divergence, the direct fit and each game of ``games`` (keys of GAMES)."""
    data_dist = mixture(data)
    rows = []
    for name in names or DIVERGENCES.names():
        row = {"divergence": name, "direct": direct_fit(name, data_dist)}
        for game in games:
            generator, loss = GAMES[game]
            row[game] = game_fit(name, generator, steps, seed, data, loss)
            if why := diverged(row[game]):
                log(f"warning: {name}, {game} game {why}; its row and curve mean nothing")
        log(format_row(row))
        rows.append(row)
    return rows


HEADERS = {"direct": ("direct μ", "direct σ", "direct D_f"),
           "saturating": ("sat. μ", "sat. σ", "sat. D_f", "sat. bound"),
           "alternative": ("alt. μ", "alt. σ", "alt. D_f", "alt. bound"),
           "mlp": ("MLP mean", "MLP std", "MLP D_f", "MLP bound")}


def _columns(row: dict) -> list[tuple[str, str]]:
    cols = [("divergence", row["divergence"])]
    for key, heads in HEADERS.items():
        if key in row:
            r = row[key]
            vals = [f"{r['mu']:.3f}", f"{r['sigma']:.3f}", _num(r["value"])] + ([_num(r["bound"])] if "bound" in r else [])
            cols += list(zip(heads, vals))
    return cols


def _num(v: float) -> str:
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3g}"


def format_row(row: dict) -> str:
    return "  ".join(f"{h}={v}" for h, v in _columns(row))


def markdown_table(rows: list[dict]) -> str:
    """The table as Markdown (the columns present in the rows)."""
    heads = [h for h, _ in _columns(rows[0])]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(v for _, v in _columns(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def json_rows(rows: list[dict]) -> list[dict]:
    """The rows without samples and trainers (for table.json)."""
    keep = ("mu", "sigma", "value", "bound")
    return [{"divergence": r["divergence"], **{k: {a: b for a, b in r[k].items() if a in keep} for k in HEADERS if k in r}}
            for r in rows]


def density_curve(data, n: int = 600) -> tuple[torch.Tensor, torch.Tensor]:
    lo, hi = data.bounds(margin=5.0)
    xs = torch.linspace(lo[0] - 1.0, hi[0] + 1.0, n, dtype=torch.float64)
    return xs, data.log_prob(xs[:, None]).exp()
