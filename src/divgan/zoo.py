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
}

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
    overrides = [*TECHNIQUES[technique], *extra, f"seed={seed}", f"train.steps={steps}", "train.progress=false"]
    if technique == "instance_noise":
        overrides.append(f"tricks.instance_noise.anneal_steps={steps}")
    start = time.time()
    trainer = Trainer(load_config(BASES[data], overrides), log=lambda m: None)
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
