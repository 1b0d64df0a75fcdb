"""Integral probability metrics and the game dynamics behind the modern regularisers, checked numerically.

- ``exact_w1_1d``: W1(p, q) = ∫₀¹ |F_p⁻¹(u) − F_q⁻¹(u)| du for two 1-D distributions given by their
  quantile functions (midpoint rule on u).
- ``wgan_gp_estimate``: a WGAN-GP critic trained alone between two fixed 1-D distributions; by
  Kantorovich–Rubinstein W1 = sup_{‖C‖_L ≤ 1} E_p[C] − E_q[C], so E_p[C] − E_q[C] of the trained critic,
  on fresh samples, estimates W1 (from below, up to the penalty's softness and sampling error).
- ``dirac_gan``: the Dirac-GAN of Mescheder et al. 2018: p = δ₀, G = δ_θ, critic C_ψ(x) = ψx, game
  L(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^{−t}) (the GAN's), D ascends and G descends. Its only
  equilibrium is (0, 0); the gradient field there is a rotation, so simultaneous gradient steps spiral
  out and alternating ones circle; R1 (γ/2 ψ², since ∇ₓC = ψ at the real point) damps ψ and the
  iterates converge to (0, 0) for small enough steps.
"""
from __future__ import annotations

import math
from typing import Callable, Literal

import torch

from .tricks.gradient_penalty import wgan_gp

Quantile = Callable[[torch.Tensor], torch.Tensor]


def exact_w1_1d(icdf_p: Quantile, icdf_q: Quantile, n: int = 200_000) -> float:
    """∫₀¹ |F_p⁻¹(u) − F_q⁻¹(u)| du by the midpoint rule on n points (float64)."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return float((icdf_p(u) - icdf_q(u)).abs().mean())


def normal_icdf(mu: float, sigma: float) -> Quantile:
    """The quantile function of N(μ, σ²)."""
    return lambda u: mu + sigma * math.sqrt(2.0) * torch.erfinv(2 * u - 1)


def wgan_gp_estimate(sample_p: Callable[[int, torch.Generator], torch.Tensor],
                     sample_q: Callable[[int, torch.Generator], torch.Tensor], steps: int = 600, batch: int = 256,
                     lam: float = 10.0, lr: float = 2e-3, hidden: int = 64, n_eval: int = 20_000,
                     seed: int = 0) -> float:
    """Train C (1 → hidden → hidden → 1, ReLU) by minimising E_q[C] − E_p[C] + λ E[(|C'(x̂)| − 1)²] on
    samples of shape (n, 1); return E_p[C] − E_q[C] on n_eval fresh samples of each."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    C = torch.nn.Sequential(torch.nn.Linear(1, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                            torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    critic = lambda x: C(x).reshape(-1)  # noqa: E731
    opt = torch.optim.Adam(C.parameters(), lr=lr, betas=(0.5, 0.9))
    for _ in range(steps):
        x, y = sample_p(batch, gen), sample_q(batch, gen)
        loss = critic(y).mean() - critic(x).mean() + lam * wgan_gp(critic, x, y, torch.rand(batch, generator=gen))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(critic(sample_p(n_eval, gen)).mean() - critic(sample_q(n_eval, gen)).mean())


def dirac_gan(theta: float = 1.0, psi: float = 1.0, steps: int = 500, lr: float = 0.1, gamma: float = 0.0,
              mode: Literal["simultaneous", "alternating"] = "simultaneous") -> torch.Tensor:
    """The Dirac-GAN's iterates (θ_t, ψ_t), t = 0..steps, shape (steps + 1, 2), float64.

    ∂L/∂ψ = f'(ψθ)·θ − γψ (R1 with weight γ), ∂L/∂θ = f'(ψθ)·ψ, f'(t) = sigmoid(−t). ``simultaneous``: both
    players step from the same point; ``alternating``: D steps first, G then sees the new ψ."""
    def fprime(t):
        return 1.0 / (1.0 + math.exp(t))

    out = [(theta, psi)]
    for _ in range(steps):
        new_psi = psi + lr * (fprime(psi * theta) * theta - gamma * psi)
        used = new_psi if mode == "alternating" else psi
        theta = theta - lr * fprime(used * theta) * used
        psi = new_psi
        out.append((theta, psi))
    return torch.tensor(out, dtype=torch.float64)


def plot_dirac_gan(path, steps: int = 500, lr: float = 0.1, gamma: float = 1.0):
    """Trajectories of the unregularised (simultaneous, alternating) and R1-regularised games."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 5))
    runs = {"simultaneous GD": dirac_gan(steps=steps, lr=lr), "alternating GD": dirac_gan(steps=steps, lr=lr, mode="alternating"),
            f"simultaneous GD + R1 (γ={gamma:g})": dirac_gan(steps=steps, lr=lr, gamma=gamma)}
    for (label, tr), colour in zip(runs.items(), ("tab:red", "tab:blue", "tab:green")):
        ax.plot(tr[:, 0], tr[:, 1], color=colour, lw=1, label=label)
        ax.plot(tr[-1, 0], tr[-1, 1], "o", color=colour, ms=4)
    ax.plot([1.0], [1.0], "k^", ms=6, label="start (θ, ψ) = (1, 1)")
    ax.plot([0.0], [0.0], "k*", ms=10, label="equilibrium (0, 0)")
    ax.set_xlabel("θ (generator: q = δ_θ)")
    ax.set_ylabel("ψ (critic: C(x) = ψx)")
    ax.set_title(f"Dirac-GAN (Mescheder et al. 2018), {steps} steps, lr {lr:g}")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
