"""The theory of the GAN game, checked numerically on toy data (Goodfellow et al. 2014, Sec. 4;
Nowozin et al. 2016, Sec. 2–3).

- ``optimal_discriminator``: D*(x) = p(x) / (p(x) + q(x)) (Proposition 1), from log-densities.
- ``value_at_optimum``: C(G) = E_p[log D*] + E_q[log(1 − D*)] by quadrature; ``identity`` compares it
  with −log 4 + 2·JSD(p‖q) (Theorem 1; JSD with the ½ factors) and with D_gan of the f-GAN table.
- ``train_critic``: train a critic alone for fixed, known P and Q; the running value of the bound
  E_P[T] − E_Q[f*(T)] then estimates D_f(P‖Q) (the bound is tight at T* = f'(p/q)).
- ``critic_report``: a (trained) critic against the optimum, with checks that can fail: for
  discriminators (minimax, non-saturating, f-GAN with gan or js, where D = sigmoid(V)) the game value
  V(D, G) at the trained D against C(G) at D* (V ≤ C; the gap C − V ≥ 0 measures how far D is from
  optimal) and mean |D − D*|; JSD by Monte Carlo against JSD by quadrature; for f-GAN critics
  mean |T − T*| and the bound at the trained critic next to D_f; for known or estimated q.
  (C(G) and −log 4 + 2·JSD computed from the same Monte-Carlo terms agree by algebra, so that pair
  is not a check; ``identity`` checks Theorem 1 by three separate quadratures instead.)
- ``run_report``: the same for a trained toy run, with q a KDE of generator samples and the
  quadrature JSD on a grid of p and that KDE (``divgan theory RUN_DIR``).
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from .estimators import GaussianKDE, f_divergence_grid, f_divergence_terms, f_of_log_ratio, grid
from .objectives import FGAN, Objective

LOG4 = math.log(4.0)
SUPPORT = (0.05, 0.95)  # T vs T* is compared where both densities are appreciable: D* in this range
GAP_TOL = 0.05    # C(G) − V(D, G) in nats below which D counts as near-optimal (well-trained toy D: < 0.02)
D_MAE_TOL = 0.1   # mean |D − D*| below which D counts as near D*
JSD_TOL = 0.02    # |JSD by Monte Carlo − JSD by quadrature| allowed beyond Monte-Carlo noise


def optimal_discriminator(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """D*(x) = p / (p + q) = sigmoid(log p − log q)."""
    return torch.sigmoid(log_p.double() - log_q.double())


def value_at_optimum(log_p, log_q, points: torch.Tensor, cell: float) -> float:
    """C(G) = ∫ p log D* + q log(1 − D*) by quadrature (the game's value at the optimal discriminator)."""
    lp, lq = log_p(points).double(), log_q(points).double()
    lpq = torch.logaddexp(lp, lq)
    terms = lp.exp() * (lp - lpq) + lq.exp() * (lq - lpq)
    live = torch.maximum(lp, lq) > -600
    return float(torch.where(live, terms, torch.zeros_like(terms)).sum() * cell)


def identity(log_p, log_q, points: torch.Tensor, cell: float) -> dict[str, float]:
    """C(G) next to −log 4 + 2·JSD(p‖q) and D_gan(P‖Q), each by its own quadrature."""
    jsd = 0.5 * f_divergence_grid("js", log_p, log_q, points, cell)
    return {"C": value_at_optimum(log_p, log_q, points, cell), "minus_log4_plus_2jsd": -LOG4 + 2 * jsd,
            "jsd": jsd, "d_gan": f_divergence_grid("gan", log_p, log_q, points, cell)}


def train_critic(objective: Objective, sample_p: Callable[[int], torch.Tensor], sample_q: Callable[[int], torch.Tensor],
                 dim: int, steps: int = 1000, batch: int = 512, hidden=(64, 64), lr: float = 2e-3, seed: int = 0):
    """Train an MLP critic alone on fixed P and Q; returns (critic, list of per-step values of the
    objective, i.e. the bound E_P[T] − E_Q[f*(T)] for f-GAN, the game value for minimax)."""
    from .models import build_discriminator

    torch.manual_seed(seed)
    critic = build_discriminator({"name": "mlp", "hidden": list(hidden), "activation": "elu"}, (dim,))
    opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.999))
    values = []
    for _ in range(steps):
        real, fake = sample_p(batch).float(), sample_q(batch).float()
        out_r, out_f = critic(real), critic(fake)
        loss = objective.d_loss(out_r, out_f)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        values.append(float(objective.value(out_r.detach(), out_f.detach())))
    return critic, values


def _is_discriminator(objective: Objective) -> bool:
    return not isinstance(objective, FGAN) or objective.divergence in ("gan", "js")


def _mean_se(*terms: torch.Tensor) -> tuple[float, float]:
    """Σ of the means of independent samples of terms, and the standard error of that sum."""
    return (float(sum(t.mean() for t in terms)),
            math.sqrt(sum(float(t.var()) / len(t) for t in terms if len(t) > 1)))


def _check(name: str, ok: bool, text: str) -> dict:
    return {"name": name, "ok": bool(ok), "text": text}


def critic_report(objective: Objective, critic_fn, log_p, log_q, p_samples: torch.Tensor, q_samples: torch.Tensor,
                  log_q_at_q: torch.Tensor | None = None, jsd_reference: float | None = None) -> dict:
    """The trained critic against the theory, by Monte Carlo over samples of p and q (points of
    m = (p+q)/2 are their union). ``critic_fn(x)`` gives raw outputs V(x); ``log_q_at_q`` overrides
    log q at q's own samples (leave-one-out for a KDE); ``jsd_reference`` is JSD(p‖q) by another
    estimator (quadrature), compared with the Monte-Carlo one.

    Each number that "checks" the theory can fail: V(D, G) at the trained D is compared with C(G) at
    D* (V ≤ C; the gap C − V = E_p log(D*/D) + E_q log((1−D*)/(1−D)) ≥ 0 is how far D is from optimal),
    |D − D*| is measured directly, and JSD by Monte Carlo against ``jsd_reference``. "checks" lists them
    with ok / not ok (thresholds: GAP_TOL, D_MAE_TOL, JSD_TOL, 3 standard errors of Monte Carlo)."""
    lp_p, lp_q = log_p(p_samples).double(), log_p(q_samples).double()
    lq_p = log_q(p_samples).double()
    lq_q = log_q(q_samples).double() if log_q_at_q is None else log_q_at_q.double()
    v_p, v_q = critic_fn(p_samples).double(), critic_fn(q_samples).double()
    lp, lq, v = torch.cat([lp_p, lp_q]), torch.cat([lq_p, lq_q]), torch.cat([v_p, v_q])
    d_star = optimal_discriminator(lp, lq)
    lpq_p, lpq_q = torch.logaddexp(lp_p, lq_p), torch.logaddexp(lp_q, lq_q)
    log_dstar_p, log_1m_dstar_q = lp_p - lpq_p, lq_q - lpq_q
    c_g, c_se = _mean_se(log_dstar_p, log_1m_dstar_q)
    jsd = 0.5 * (c_g + LOG4)  # C(G) = −log 4 + 2·JSD: the Monte-Carlo JSD is C's own terms
    out = {"C_at_D_star": c_g, "C_se": c_se, "jsd": jsd,
           "kl_pq": float((lp_p - lq_p).mean()), "kl_qp": float((lq_q - lp_q).mean())}
    checks = []
    if jsd_reference is not None:
        out["jsd_reference"] = jsd_reference
        tol = JSD_TOL + 1.5 * c_se  # JSD's standard error is half C's
        checks.append(_check("jsd", abs(jsd - jsd_reference) <= tol,
                             f"JSD by Monte Carlo {jsd:.4f} vs by quadrature {jsd_reference:.4f} (|Δ| ≤ {tol:.3f})"))
    if _is_discriminator(objective):  # D = sigmoid(V); V(D, G) = E_p log D + E_q log(1 − D) ≤ C(G)
        logsig = torch.nn.functional.logsigmoid
        out["d_mae"] = float((torch.sigmoid(v) - d_star).abs().mean())
        out["game_value"] = float(logsig(v_p).mean() + logsig(-v_q).mean())
        gap, gap_se = _mean_se(log_dstar_p - logsig(v_p), log_1m_dstar_q - logsig(-v_q))
        out.update(gap=gap, gap_se=gap_se, jsd_from_D=max(0.0, 0.5 * (out["game_value"] + LOG4)))
        checks.append(_check("value_below_optimum", gap >= -3 * gap_se,
                             f"V(D, G) = {out['game_value']:.4f} ≤ C(G) = {c_g:.4f} (gap {gap:.4f} ± {gap_se:.4f})"))
        checks.append(_check("d_optimal", gap <= GAP_TOL + 3 * gap_se,
                             f"gap C(G) − V(D, G) = {gap:.4f} nats {'≤' if gap <= GAP_TOL + 3 * gap_se else '>'} "
                             f"{GAP_TOL} (+3 s.e.): D {'is near' if gap <= GAP_TOL + 3 * gap_se else 'is far from'} D*"))
        checks.append(_check("d_mae", out["d_mae"] <= D_MAE_TOL,
                             f"mean |D − D*| = {out['d_mae']:.4f} {'≤' if out['d_mae'] <= D_MAE_TOL else '>'} {D_MAE_TOL}"))
    if isinstance(objective, FGAN):  # the bound E_P[T] − E_Q[f*(T)] ≤ D_f(P‖Q)
        out["bound"] = float(objective.value(v_p.float(), v_q.float()))
        div = objective.div
        t, t_star = div.activation(v), div.optimal_critic(torch.exp(lp - lq))
        mask = (d_star > SUPPORT[0]) & (d_star < SUPPORT[1])
        out["t_mae"] = float((t - t_star)[mask].abs().mean()) if mask.any() else math.nan
        out["divergence"] = float(f_of_log_ratio(div, lp_q - lq_q).mean())  # D_f = E_q[f(p/q)]
    out["checks"] = checks
    return out


def run_report(trainer, n: int = 5000, seed: int = 0) -> dict:
    """``critic_report`` for a trained toy run: q is a KDE (held-out bandwidth) of n generator samples."""
    data = trainer.data
    if data.kind != "toy" or not hasattr(data, "log_prob"):
        from .errors import DivganError

        raise DivganError("the theory check needs a toy dataset with an exact log-density (ring, grid, mixture1d)")
    q_samples = trainer.sample(n, seed=seed + 1).reshape(n, -1).double()
    p_samples = data.sample(n, torch.Generator().manual_seed(seed)).reshape(n, -1).double()
    kde = GaussianKDE(q_samples)
    rep = critic_report(trainer.objective, lambda x: trainer.D_eval(x.float()), data.log_prob, kde.log_prob,
                        p_samples, q_samples, log_q_at_q=kde.log_prob(q_samples, leave_one_out=True))
    # JSD(p‖q̂) two independent ways: a Riemann sum on a grid, and Monte Carlo over samples of p and of
    # q̂ itself (a generator sample plus the KDE's own noise). The Monte-Carlo JSD above averages over
    # the generator's samples instead, so it differs from JSD(p‖q̂) wherever the KDE smooths q.
    jsd_q, spacing = jsd_quadrature(data, kde)
    g = torch.Generator().manual_seed(seed + 2)
    q_hat = q_samples[torch.randint(n, (n,), generator=g)] + kde.h * torch.randn(q_samples.shape, generator=g, dtype=torch.float64)
    lp_p, lq_p, lp_q, lq_q = data.log_prob(p_samples).double(), kde.log_prob(p_samples).double(), \
        data.log_prob(q_hat).double(), kde.log_prob(q_hat).double()
    c, c_se = _mean_se(lp_p - torch.logaddexp(lp_p, lq_p), lq_q - torch.logaddexp(lp_q, lq_q))
    jsd_mc, tol = 0.5 * (c + LOG4), JSD_TOL + 1.5 * c_se
    rep["checks"].insert(0, _check("jsd", abs(jsd_mc - jsd_q) <= tol, f"JSD(p‖q̂) by Monte Carlo {jsd_mc:.4f} vs by "
                                   f"quadrature {jsd_q:.4f} (|Δ| ≤ {tol:.3f})"))
    rep.update({"jsd_reference": jsd_q, "jsd_kde_mc": jsd_mc, "bandwidth": kde.h, "n": n, "step": trainer.step,
                "grid_spacing": spacing})
    return rep


MAX_GRID = {1: 20001, 2: 2001}  # grid points per axis for the quadrature JSD
KDE_REACH = 6.0  # the binned KDE's kernel is cut at this many bandwidths (e^−18 of its peak)


def binned_kde(samples: torch.Tensor, h: float, lo: torch.Tensor, step: torch.Tensor, n: int) -> torch.Tensor:
    """The Gaussian KDE of ``samples`` (bandwidth h) on the n^d grid from ``lo`` with spacing ``step``:
    linear binning of the samples onto the grid, then a separable convolution with the kernel (exact
    for samples on grid nodes; error O((step/h)²) otherwise). Returns densities, flattened as ``grid``."""
    d = samples.shape[1]
    pos = (samples - lo) / step
    base = pos.floor().long().clamp(0, n - 2)
    frac = (pos - base).clamp(0, 1)
    hist = torch.zeros(n ** d, dtype=torch.float64)
    strides = torch.tensor([n ** (d - 1 - k) for k in range(d)])
    for corner in range(2 ** d):  # each sample's weight spread over the 2^d surrounding nodes
        bits = torch.tensor([(corner >> k) & 1 for k in range(d)])
        w = torch.where(bits.bool(), frac, 1 - frac).prod(1)
        hist.index_add_(0, ((base + bits) * strides).sum(1), w)
    dens = hist.reshape(*([n] * d)) / len(samples)
    for k in range(d):  # separable kernel, one axis at a time
        r = min(n - 1, int(math.ceil(KDE_REACH * h / float(step[k]))))
        off = torch.arange(-r, r + 1, dtype=torch.float64) * float(step[k])
        kern = torch.exp(-0.5 * (off / h) ** 2) / (math.sqrt(2 * math.pi) * h)
        moved = dens.movedim(k, -1)
        shape = moved.shape
        conv = torch.nn.functional.conv1d(moved.reshape(-1, 1, n), kern.reshape(1, 1, -1), padding=r)
        dens = conv.reshape(shape).movedim(-1, k)
    return dens.reshape(-1)


def jsd_quadrature(data, kde: GaussianKDE) -> tuple[float, float]:
    """JSD(p‖q̂) by a Riemann sum on a grid covering p's box and q̂'s samples (± KDE_REACH·h), with
    spacing min(p's component std, h)/4 where MAX_GRID allows, q̂ by ``binned_kde``; returns
    (JSD, spacing). Independent of the Monte-Carlo estimate: no samples of p, q̂ evaluated on a grid."""
    from .divergences import DIVERGENCES

    lo, hi = (torch.tensor(v, dtype=torch.float64) for v in data.bounds())
    lo = torch.minimum(lo, kde.x.min(0).values - KDE_REACH * kde.h)
    hi = torch.maximum(hi, kde.x.max(0).values + KDE_REACH * kde.h)
    want = min(data.std, kde.h) / 4
    n = int(min(MAX_GRID.get(data.dim, 200), math.ceil(float((hi - lo).max()) / want) + 1))
    pts, cell = grid(lo, hi, n)
    step = (hi - lo) / (n - 1)
    q = binned_kde(kde.x, kde.h, lo, step, n)
    terms = f_divergence_terms(DIVERGENCES["js"], data.log_prob(pts), torch.log(q.clamp(min=0)))
    return 0.5 * float(terms.sum() * cell), float(step.max())