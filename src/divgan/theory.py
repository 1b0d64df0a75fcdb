"""The theory of the GAN game, checked numerically on toy data (Goodfellow et al. 2014, Sec. 4;
Nowozin et al. 2016, Sec. 2–3).

- ``optimal_discriminator``: D*(x) = p(x) / (p(x) + q(x)) (Proposition 1), from log-densities.
- ``value_at_optimum``: C(G) = E_p[log D*] + E_q[log(1 − D*)] by quadrature; ``identity`` compares it
  with −log 4 + 2·JSD(p‖q) (Theorem 1; JSD with the ½ factors) and with D_gan of the f-GAN table.
- ``train_critic``: train a critic alone for fixed, known P and Q; the running value of the bound
  E_P[T] − E_Q[f*(T)] then estimates D_f(P‖Q) (the bound is tight at T* = f'(p/q)).
- ``critic_report``: a (trained) critic against the optimum: mean |D − D*| for discriminators
  (minimax, non-saturating, f-GAN with gan or js, where D = sigmoid(V)), mean |T − T*| for f-GAN
  critics, the game value V(D, G) at the trained D and C(G) at D* (= −log 4 + 2·JSD), the f-GAN
  bound at the trained critic next to D_f, for known or estimated q.
- ``run_report``: the same for a trained toy run, with q a KDE of generator samples
  (``divgan theory RUN_DIR``).
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from .estimators import GaussianKDE, f_divergence_grid, f_of_log_ratio
from .objectives import FGAN, Objective

LOG4 = math.log(4.0)
SUPPORT = (0.05, 0.95)  # T vs T* is compared where both densities are appreciable: D* in this range


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


def critic_report(objective: Objective, critic_fn, log_p, log_q, p_samples: torch.Tensor, q_samples: torch.Tensor,
                  log_q_at_q: torch.Tensor | None = None) -> dict[str, float]:
    """The trained critic against the theory, by Monte Carlo over samples of p and q (points of
    m = (p+q)/2 are their union). ``critic_fn(x)`` gives raw outputs V(x); ``log_q_at_q`` overrides
    log q at q's own samples (leave-one-out for a KDE)."""
    lp_p, lp_q = log_p(p_samples).double(), log_p(q_samples).double()
    lq_p = log_q(p_samples).double()
    lq_q = log_q(q_samples).double() if log_q_at_q is None else log_q_at_q.double()
    v_p, v_q = critic_fn(p_samples).double(), critic_fn(q_samples).double()
    lp, lq, v = torch.cat([lp_p, lp_q]), torch.cat([lq_p, lq_q]), torch.cat([v_p, v_q])
    d_star = optimal_discriminator(lp, lq)
    lpq_p, lpq_q = torch.logaddexp(lp_p, lq_p), torch.logaddexp(lp_q, lq_q)
    c_g = float((lp_p - lpq_p).mean() + (lq_q - lpq_q).mean())
    lm_p, lm_q = lpq_p - math.log(2), lpq_q - math.log(2)
    jsd = float(0.5 * (lp_p - lm_p).mean() + 0.5 * (lq_q - lm_q).mean())
    out = {"C_at_D_star": c_g,
           "minus_log4_plus_2jsd": -LOG4 + 2 * jsd, "jsd": jsd,
           "kl_pq": float((lp_p - lq_p).mean()), "kl_qp": float((lq_q - lp_q).mean())}
    if _is_discriminator(objective):  # D = sigmoid(V); V(D, G) = E_p log D + E_q log(1 − D) ≤ C(G)
        out["d_mae"] = float((torch.sigmoid(v) - d_star).abs().mean())
        out["game_value"] = float(torch.nn.functional.logsigmoid(v_p).mean() + torch.nn.functional.logsigmoid(-v_q).mean())
    if isinstance(objective, FGAN):  # the bound E_P[T] − E_Q[f*(T)] ≤ D_f(P‖Q)
        out["bound"] = float(objective.value(v_p.float(), v_q.float()))
        div = objective.div
        t, t_star = div.activation(v), div.optimal_critic(torch.exp(lp - lq))
        mask = (d_star > SUPPORT[0]) & (d_star < SUPPORT[1])
        out["t_mae"] = float((t - t_star)[mask].abs().mean()) if mask.any() else math.nan
        out["divergence"] = float(f_of_log_ratio(div, lp_q - lq_q).mean())  # D_f = E_q[f(p/q)]
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
    rep.update({"bandwidth": kde.h, "n": n, "step": trainer.step})
    return rep
