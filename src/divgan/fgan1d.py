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
Fits are reported with their sign (μ < 0 is a fit to the left of 0). The direct fit starts Nelder–Mead
from fixed points and from the mixture's own moments and components, so every mode is tried; of equal
minima (a symmetric mixture) the one found first, from the fixed starts, is kept.
``divergence_warning`` flags a fit that is not one: non-finite numbers, D_f at the fit above
``DIVERGED_VALUE``, or a Gaussian that left the data (|μ − mean| or σ beyond ``DIVERGED_SPREAD``× the
data's std); the command prints it, writes it under the table and marks the figure's panel.
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
DIVERGED_VALUE = 1e6   # D_f at a game's fit above this: the game diverged (the direct minima are O(1))
DIVERGED_SPREAD = 10.0  # |μ − mean(p)| or σ above this many data stds: the Gaussian left the data


def mixture(section: dict | None = None):
    """The 1-D data distribution (a ``mixture1d`` dataset) from a config section."""
    from .data import build_dataset

    return build_dataset(section or MIXTURE)


def moments(data) -> tuple[float, float]:
    """Mean and std of a 1-D mixture in closed form (the forward-KL fit: moment matching)."""
    w, m, s = data.weights, data.means[:, 0], data.stds
    mean = float((w * m).sum())
    return mean, float((w * (s * s + (m - mean) ** 2)).sum().sqrt())


def data_starts(data) -> list[tuple[float, float]]:
    """Starting points from the data: its moments (μ, σ) and each component's (mean, std)."""
    return [moments(data)] + [(float(m), float(s)) for m, s in zip(data.means[:, 0], data.stds)]


def quadrature_grid(data, n: int = 2001):
    lo, hi = data.bounds(margin=10.0)
    span = max(abs(lo[0]), abs(hi[0])) + 4.0
    return grid([-span], [span], n)


def direct_fit(name: str, data, starts=None, points=None) -> dict:
    """argmin over (μ, σ) of D_f(P‖N(μ, σ²)) by quadrature: {"mu", "sigma", "value"} (μ signed).
    Default starts: STARTS, then ``data_starts(data)``."""
    starts = starts or STARTS + data_starts(data)
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
    return {"mu": mu, "sigma": sigma, "value": float(best.fun)}


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
    return {"mu": mu, "sigma": sigma, "value": value, "bound": trainer.recent("value", tail),
            "samples": samples, "trainer": trainer}


def divergence_warning(fit: dict, data) -> str | None:
    """Why ``fit`` (mu, sigma, value[, bound]) is not a fit, in words, or None when it looks like one."""
    nums = {k: fit[k] for k in ("mu", "sigma", "value", "bound") if fit.get(k) is not None}
    bad = [k for k, v in nums.items() if not math.isfinite(v)]
    if bad:
        return "non-finite " + ", ".join(f"{k} = {nums[k]}" for k in bad)
    mean, std = moments(data)
    why = []
    if nums["value"] > DIVERGED_VALUE:
        why.append(f"D_f at the fit = {nums['value']:.3g} > {DIVERGED_VALUE:.0e}")
    if abs(nums["mu"] - mean) > DIVERGED_SPREAD * std or nums["sigma"] > DIVERGED_SPREAD * std:
        why.append(f"the fit left the data (μ = {nums['mu']:.3g}, σ = {nums['sigma']:.3g}; data mean {mean:.3g}, std {std:.3g})")
    return "; ".join(why) or None


def warning_lines(rows: list[dict]) -> list[str]:
    """One line per fit flagged by ``divergence_warning`` (stored under "warning" by ``experiment``)."""
    return [f"WARNING: {r['divergence']}, {STYLES_TEXT.get(k, k)}: diverged or not a fit: {r[k]['warning']}"
            for r in rows for k in HEADERS if k in r and r[k].get("warning")]


STYLES_TEXT = {"direct": "direct minimisation", "saturating": "game with the saturating G loss",
               "alternative": "game with the alternative G loss", "mlp": "game with the MLP generator"}


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
        for key in ("direct", *games):
            row[key]["warning"] = divergence_warning(row[key], data_dist)
        log(format_row(row))
        for line in warning_lines([row]):
            log(line)
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
            vals = [_fixed(r["mu"]), _fixed(r["sigma"]), _num(r["value"])] + ([_num(r["bound"])] if "bound" in r else [])
            cols += list(zip(heads, vals))
    return cols


def _fixed(v: float) -> str:
    s = f"{v:.3f}"
    return "0.000" if s == "-0.000" else s


def _num(v: float) -> str:
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3g}"


def format_row(row: dict) -> str:
    return "  ".join(f"{h}={v}" for h, v in _columns(row))


def markdown_table(rows: list[dict]) -> str:
    """The table as Markdown (the columns present in the rows), then a line per diverged fit."""
    heads = [h for h, _ in _columns(rows[0])]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(v for _, v in _columns(r)) + " |" for r in rows]
    warn = warning_lines(rows)
    return "\n".join(lines) + "\n" + ("\n" + "\n".join(warn) + "\n" if warn else "")


def json_rows(rows: list[dict]) -> list[dict]:
    """The rows without samples and trainers (for table.json)."""
    keep = ("mu", "sigma", "value", "bound", "warning")
    return [{"divergence": r["divergence"], **{k: {a: b for a, b in r[k].items() if a in keep} for k in HEADERS if k in r}}
            for r in rows]


def density_curve(data, n: int = 600) -> tuple[torch.Tensor, torch.Tensor]:
    lo, hi = data.bounds(margin=5.0)
    xs = torch.linspace(lo[0] - 1.0, hi[0] + 1.0, n, dtype=torch.float64)
    return xs, data.log_prob(xs[:, None]).exp()
