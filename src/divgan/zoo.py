"""The stabilisation-trick zoo as a library: one tiny run per (data, technique, seed) and the
results table (``divgan zoo`` is its command; the lecture uses it too)."""
from __future__ import annotations

import math
import time


BASES = {"ring": "ring-vanilla", "grid": "grid-vanilla"}

TECHNIQUES: dict[str, list[str]] = {
    "vanilla": [],
    "instance_noise": ["tricks.instance_noise.sigma=0.1", "tricks.instance_noise.schedule=linear"],
    "feature_matching": ["tricks.feature_matching.mode=add"],
    "historical_averaging": ["tricks.historical_averaging.g=0.001", "tricks.historical_averaging.d=0.001"],
    "minibatch_discrimination": ["tricks.minibatch_discrimination.kernels=8", "tricks.minibatch_discrimination.kernel_dim=3"],
    "label_smoothing": ["tricks.label_smoothing.real=0.9"],
    "unrolled": ["tricks.unrolled.steps=5"],
    # after the lecture (docs/tricks.md, "The zoo since 2016"); {gamma}: the penalty weight for the data's scale
    "least_squares": ["objective.name=least_squares"],
    "hinge_spectral_norm": ["objective.name=hinge", "tricks.spectral_norm.enabled=true"],
    "wgan_gp": ["objective.name=wasserstein", "tricks.gradient_penalty.kind=wgan_gp", "tricks.gradient_penalty.weight=10",
                "train.d_steps=5", "optim.lr_g=1e-4", "optim.lr_d=1e-4", "optim.betas=[0.5,0.9]"],
    "r1": ["tricks.gradient_penalty.kind=r1", "tricks.gradient_penalty.weight={gamma}"],
    "rpgan_r1_r2": ["objective.name=relativistic", "tricks.gradient_penalty.kind=[r1,r2]", "tricks.gradient_penalty.weight={gamma}"],
    "packing": ["tricks.packing.m=2"],
    "ema": ["tricks.ema.decay=0.99"],
}
LECTURE_TECHNIQUES = ("vanilla", "instance_noise", "feature_matching", "historical_averaging", "minibatch_discrimination",
                      "label_smoothing", "unrolled")
MODERN_TECHNIQUES = tuple(t for t in TECHNIQUES if t not in LECTURE_TECHNIQUES)
# R1/R2 weight γ per data: the penalty scales with the data's spread (ring std 0.01, grid std 0.05; docs/tricks.md)
GAMMA = {"ring": 0.001, "grid": 0.1}


def overrides(technique: str, data: str) -> list[str]:
    """The config overrides of a zoo technique on ``data`` (ring or grid)."""
    return [o.format(gamma=GAMMA[data]) for o in TECHNIQUES[technique]]

COLUMNS = (("modes", "modes"), ("high_quality", "% high-quality"), ("kl_uniform", "KL(modes‖uniform)"), ("seconds", "s/run"))


def run_one(data: str, technique: str, seed: int, steps: int, extra: tuple[str, ...] = (), threads: int = 0) -> dict:
    """Train one (technique, seed) in memory and score 2,500 samples with the toy protocol; a run
    whose losses become NaN scores as a point mass (0 modes) and is marked ``diverged``."""
    import torch

    from .config import load_config
    from .errors import DivganError
    from .metrics.toy import mode_stats
    from .train.trainer import Trainer

    if threads:
        torch.set_num_threads(threads)
    sets = [*overrides(technique, data), *extra, f"seed={seed}", f"train.steps={steps}", "train.progress=false"]
    if technique == "instance_noise":
        sets.append(f"tricks.instance_noise.anneal_steps={steps}")
    start = time.time()
    trainer = Trainer(load_config(BASES[data], sets), log=lambda m: None)
    diverged = False
    try:
        while trainer.step < steps:
            trainer.train_step()
        stats = mode_stats(trainer.sample(2500, seed=seed), trainer.data.means, trainer.data.std)
    except DivganError:  # TrainingDiverged: no run directory to roll back to
        diverged = True
        k = len(trainer.data.means)
        stats = {"modes": 0, "modes_total": k, "high_quality": 0.0, "kl_uniform": math.log(k)}
    return {"technique": technique, "seed": seed, **stats, "diverged": diverged, "seconds": time.time() - start}


def mean_se(xs: list[float]) -> tuple[float, float]:
    """Mean and standard error (sample std / √n; 0 for one value)."""
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, 0.0
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1) / n)


def table(results: list[dict], techniques: list[str]) -> str:
    """The comparison table: one row per technique, mean ± s.e. over its seeds."""
    total = results[0]["modes_total"] if results else 0
    head = ["technique", *(f"modes (of {total})" if k == "modes" else label for k, label in COLUMNS)]
    rows = []
    for tech in techniques:
        rs = [r for r in results if r["technique"] == tech]
        cells = []
        for key, _ in COLUMNS:
            m, se = mean_se([r[key] for r in rs])
            cells.append(f"{m:.0f}" if key == "seconds" else f"{m:.3f} ± {se:.3f}" if key == "kl_uniform" else f"{m:.1f} ± {se:.1f}")
        rows.append([tech, *cells])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, rows)])
