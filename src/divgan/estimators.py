"""Divergences between distributions known by their log-density or only by samples.

- ``grid`` + ``f_divergence_grid``: D_f(P‖Q) = ∫ q f(p/q) dx by a Riemann sum on a uniform 1-D or
  2-D grid, from log-densities (float64, exact where both densities are negligible).
- ``gaussian_kl``: the closed form KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) (diagonal covariances, summed over dims).
- ``GaussianKDE``: a Gaussian kernel density estimate of q from samples. Bandwidth rule (default
  ``"heldout"``): the isotropic bandwidth h maximising the held-out log-likelihood of the second half
  of the samples under the KDE of the first half (at most 1000 samples each), searched over Scott's
  h·2^(k/2), k = −16..2 (coarse-to-fine), then rescaled by (n_fit/n)^(1/(d+4)) to account for using
  all n samples (the n^(−1/(d+4)) rate).
  ``"scott"`` (σ̄·n^(−1/(d+4)), σ̄ the mean per-dimension std) and ``"silverman"`` (1-D rule
  0.9·min(σ, IQR/1.34)·n^(−1/5), Scott's rule elsewhere) and a fixed float are also accepted.
- ``sample_divergences``: KL(p‖q), KL(q‖p) and JSD(p‖q) when p has an exact log-density and q is
  known by samples (Monte Carlo over samples of p and of q, q replaced by its KDE).
"""
from __future__ import annotations

import math
from typing import Callable

import torch

LogDensity = Callable[[torch.Tensor], torch.Tensor]
_NEGLIGIBLE = -600.0  # log-density below which a point carries no mass in float64


def grid(lo, hi, n: int) -> tuple[torch.Tensor, float]:
    """A uniform grid on the box [lo, hi] (1-D or 2-D): points of shape (n^d, d) and the cell volume."""
    lo, hi = [float(v) for v in torch.as_tensor(lo).reshape(-1)], [float(v) for v in torch.as_tensor(hi).reshape(-1)]
    axes = [torch.linspace(a, b, n, dtype=torch.float64) for a, b in zip(lo, hi)]
    pts = torch.cartesian_prod(*axes).reshape(-1, len(axes))
    cell = math.prod((b - a) / (n - 1) for a, b in zip(lo, hi))
    return pts, cell


def f_divergence_terms(div, log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """q(x)·f(p(x)/q(x)) pointwise from log-densities (0 where both densities are negligible).

    Where p/q > e^700 (q underflows, e.g. a KDE far from its samples, or q = 0) the term is written
    p·h(r) with h(r) = f(e^r)/e^r, r = log p − log q, extrapolated linearly in r beyond 700 (exact for
    KL and Jeffrey, whose h grows like r; the limit for bounded h; +inf where h overflows, Pearson)."""
    log_p, log_q = log_p.double(), log_q.double()
    live = torch.maximum(log_p, log_q) > _NEGLIGIBLE
    r = log_p - log_q
    u = torch.exp(r.clamp(-700.0, 700.0))
    terms = torch.exp(log_q) * div.f(u)
    far = (r > 700.0) & live
    if far.any():
        h700, slope = _ratio_tail(div)
        tail = torch.full_like(r, h700) if slope == 0 else h700 + (r - 700.0) * slope
        terms = torch.where(far, torch.exp(log_p) * tail, terms)
    return torch.where(live, terms, torch.zeros_like(terms))


def _ratio_tail(div) -> tuple[float, float]:
    """h(700) and the slope dh/dr there, for h(r) = f(e^r)/e^r (slope 0 when h has a finite limit)."""
    r = torch.tensor([690.0, 700.0], dtype=torch.float64)
    h690, h700 = (div.f(torch.exp(r)) / torch.exp(r)).tolist()
    slope = (h700 - h690) / 10.0
    return h700, (slope if slope > 1e-9 and math.isfinite(slope) else 0.0)


def f_of_log_ratio(div, r: torch.Tensor) -> torch.Tensor:
    """f(e^r) for a log-ratio r = log p − log q, also below e^−700: there f(e^r) is extrapolated
    linearly in r (exact for reverse KL, −r; the limit f(0) where it is finite). Above r = 700 the
    value at 700 is used (a lower bound; such points make D_f astronomically large anyway)."""
    r = r.double()
    out = div.f(torch.exp(r.clamp(-700.0, 700.0)))
    low = r < -700.0
    if low.any():
        f700, f690 = div.f(torch.exp(torch.tensor([-700.0, -690.0], dtype=torch.float64))).tolist()
        slope = (f690 - f700) / 10.0  # df/dr near r = −700
        slope = slope if abs(slope) > 1e-9 and math.isfinite(slope) else 0.0
        out = torch.where(low, f700 + (r + 700.0) * slope, out)
    return out


def f_divergence_grid(div, log_p: LogDensity, log_q: LogDensity, points: torch.Tensor, cell: float) -> float:
    """D_f(P‖Q) = ∫ q f(p/q) by quadrature on ``points`` (from ``grid``) with cell volume ``cell``."""
    from .divergences import DIVERGENCES

    div = DIVERGENCES[div] if isinstance(div, str) else div
    return float(f_divergence_terms(div, log_p(points), log_q(points)).sum() * cell)


def jsd_grid(log_p: LogDensity, log_q: LogDensity, points: torch.Tensor, cell: float) -> float:
    """JSD(P‖Q) = ½KL(P‖M) + ½KL(Q‖M) (natural log, ≤ log 2) by quadrature (= D_js / 2)."""
    return 0.5 * f_divergence_grid("js", log_p, log_q, points, cell)


def gaussian_kl(mu_p, sigma_p, mu_q, sigma_q) -> float:
    """KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²)) in closed form, diagonal covariances summed over dimensions."""
    mu_p, sigma_p, mu_q, sigma_q = (torch.as_tensor(v, dtype=torch.float64) for v in (mu_p, sigma_p, mu_q, sigma_q))
    r = (sigma_p / sigma_q) ** 2
    return float((0.5 * (r + ((mu_p - mu_q) / sigma_q) ** 2 - 1.0 - torch.log(r))).sum())


def gaussian_log_prob(mu, sigma) -> LogDensity:
    """log N(x; μ, σ²I) as a function of x of shape (N, d)."""
    mu, sigma = torch.as_tensor(mu, dtype=torch.float64).reshape(-1), torch.as_tensor(sigma, dtype=torch.float64).reshape(-1)

    def log_prob(x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float64).reshape(len(x), -1)
        z = (x - mu) / sigma
        return (-0.5 * z * z - torch.log(sigma) - 0.5 * math.log(2 * math.pi)).sum(1)

    return log_prob


class GaussianKDE:
    """Isotropic Gaussian kernel density estimate q̂(x) = 1/n Σ N(x; x_i, h²I) (bandwidth rule: module doc)."""

    def __init__(self, samples: torch.Tensor, bandwidth: str | float = "heldout"):
        self.x = torch.as_tensor(samples, dtype=torch.float64).reshape(len(samples), -1)
        self.n, self.dim = self.x.shape
        self.rule = bandwidth if isinstance(bandwidth, str) else "fixed"
        self.h = float(bandwidth) if not isinstance(bandwidth, str) else self._select(bandwidth)

    def _scott(self, x: torch.Tensor) -> float:
        sd = float(x.std(0).mean()) if len(x) > 1 else 1.0
        return max(sd, 1e-6) * len(x) ** (-1.0 / (self.dim + 4))

    def _select(self, rule: str) -> float:
        if rule == "scott":
            return self._scott(self.x)
        if rule == "silverman":
            if self.dim != 1:
                return self._scott(self.x)
            v = self.x[:, 0]
            iqr = float(v.quantile(0.75) - v.quantile(0.25))
            sd = float(v.std())
            spread = min(sd, iqr / 1.34) if iqr > 0 else sd
            return 0.9 * max(spread, 1e-6) * self.n ** -0.2
        if rule != "heldout":
            raise ValueError(f"unknown bandwidth rule {rule!r}; use heldout, scott, silverman or a number")
        if self.n < 4:
            return self._scott(self.x)
        half = min(self.n // 2, 1000)  # the search uses at most 1000 + 1000 samples, in float32
        fit, held = self.x[:half].float(), self.x[half:2 * half].float()
        d2 = torch.cdist(held, fit) ** 2
        base = self._scott(fit.double())
        score = lambda k: float(_log_kernel_mean(d2, base * 2.0 ** (k / 2), self.dim).mean())
        coarse = {k: score(k) for k in range(-16, 3, 2)}
        k0 = max(coarse, key=coarse.get)
        fine = {k: (coarse[k] if k in coarse else score(k)) for k in (k0 - 1, k0, k0 + 1)}
        k = max(fine, key=fine.get)
        return base * 2.0 ** (k / 2) * (2 * half / self.n) ** (1.0 / (self.dim + 4))

    def log_prob(self, x: torch.Tensor, leave_one_out: bool = False, chunk: int = 2048) -> torch.Tensor:
        """log q̂(x); ``leave_one_out`` (x must be the KDE's own samples) drops each point's own kernel."""
        x = torch.as_tensor(x, dtype=torch.float64).reshape(len(x), -1)
        out = []
        for start in range(0, len(x), chunk):
            d2 = torch.cdist(x[start:start + chunk], self.x) ** 2
            if leave_one_out:
                idx = torch.arange(start, start + len(d2))
                d2[torch.arange(len(d2)), idx] = math.inf
            out.append(_log_kernel_mean(d2, self.h, self.dim, self.n - int(leave_one_out)))
        return torch.cat(out)


def _log_kernel_mean(d2: torch.Tensor, h: float, dim: int, n: int | None = None) -> torch.Tensor:
    """log of 1/n Σ_j N(d_ij; 0, h²I) for each row of the squared-distance matrix."""
    n = n or d2.shape[1]
    return torch.logsumexp(-0.5 * d2 / h**2, 1) - math.log(n) - 0.5 * dim * math.log(2 * math.pi * h * h)


def sample_divergences(log_p: LogDensity, p_samples: torch.Tensor, q_samples: torch.Tensor,
                       bandwidth: str | float = "heldout", floor: float = 0.0, box=None) -> dict[str, float]:
    """Estimated KL(p‖q), KL(q‖p) and JSD(p‖q) (nats) from exact log p and samples of both.

    q is replaced by its KDE q̂ (``bandwidth`` rule), evaluated leave-one-out at q's own samples.
    ``floor`` = ε > 0 uses q̃ = (1−ε)q̂ + ε·Uniform(box) instead, so that a mode q misses costs
    p(mode)·log(p/(ε/|box|)) rather than an unbounded number (``box`` = (lo, hi))."""
    kde = GaussianKDE(q_samples, bandwidth)
    lq_p, lq_q = kde.log_prob(p_samples), kde.log_prob(q_samples, leave_one_out=True)
    if floor > 0:
        lo, hi = (torch.as_tensor(v, dtype=torch.float64) for v in box)
        log_u = math.log(floor) - float(torch.log(hi - lo).sum())
        lq_p, lq_q = (torch.logaddexp(l + math.log1p(-floor), torch.full_like(l, log_u)) for l in (lq_p, lq_q))
    lp_p, lp_q = log_p(p_samples).double(), log_p(q_samples).double()
    lm_p = torch.logaddexp(lp_p, lq_p) - math.log(2)
    lm_q = torch.logaddexp(lp_q, lq_q) - math.log(2)
    return {
        "kl_pq": float((lp_p - lq_p).mean()),
        "kl_qp": float((lq_q - lp_q).mean()),
        # JSD ≥ 0; the Monte Carlo estimate can dip just below 0 when p and q̂ nearly agree
        "jsd": max(0.0, float(0.5 * (lp_p - lm_p).mean() + 0.5 * (lq_q - lm_q).mean())),
        "bandwidth": kde.h,
    }
