"""Memorisation: does the generator copy its training set?

For each sample, the nearest training image in pixel space (Euclidean distance on [0, 1] pixels) and
in feature space (divgan's evaluator features, when one is trained). Statistics compare the
sample-to-train nearest-neighbour distances with those of held-out real images (test-to-train): a
generator that memorises has samples much *closer* to the training set than new real images are
(``ratio`` ≪ 1, a large ``closer_than_test_1pct``). The figure is Goodfellow et al. 2014, Fig. 2:
samples with their nearest training image beside them.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..metrics.parzen import _flat01
from ..pixels import to_unit_double


def nearest(queries: torch.Tensor, train: torch.Tensor, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance, index) of the nearest row of ``train`` for each row of ``queries`` (float rows)."""
    t2 = (train.double() ** 2).sum(1)
    ds, ids = [], []
    for q in queries.double().split(batch):
        d2 = ((q**2).sum(1, keepdim=True) - 2 * q @ train.double().T + t2).clamp_min(0)
        d, i = d2.min(1)
        ds.append(d.sqrt())
        ids.append(i)
    return torch.cat(ds), torch.cat(ids)


def spaces(evaluator=None) -> dict:
    """{space name: images -> float rows}: pixels always, features when an evaluator is given."""
    out = {"pixels": _flat01}
    if evaluator is not None:
        out["features"] = lambda x: evaluator.features(x).double()
    return out


def distance_stats(sample_d: torch.Tensor, test_d: torch.Tensor) -> dict:
    """Sample-to-train vs test-to-train nearest-neighbour distances."""
    q = torch.quantile(test_d, 0.01)
    return {
        "sample_mean": float(sample_d.mean()), "sample_median": float(sample_d.median()), "sample_min": float(sample_d.min()),
        "test_mean": float(test_d.mean()), "test_median": float(test_d.median()), "test_min": float(test_d.min()),
        "ratio": float(sample_d.mean() / test_d.mean()),
        "closer_than_test_1pct": float((sample_d < q).double().mean()),
    }


def memorisation(samples: torch.Tensor, train: torch.Tensor, test: torch.Tensor, evaluator=None) -> dict:
    """{space: distance_stats} for pixel space and (with an evaluator) feature space."""
    out = {}
    for name, f in spaces(evaluator).items():
        tr = f(train)
        out[name] = distance_stats(nearest(f(samples), tr)[0], nearest(f(test), tr)[0])
    return out


def neighbours_figure(samples: torch.Tensor, train: torch.Tensor, path: Path, evaluator=None, cols: int = 4) -> Path:
    """Goodfellow et al. Fig. 2: each sample, then its nearest training image in each space (framed
    in yellow), laid out in ``cols`` groups per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = {name: nearest(f(samples), f(train)) for name, f in spaces(evaluator).items()}
    per = 1 + len(found)
    rows = -(-len(samples) // cols)
    fig, axes = plt.subplots(rows, cols * per, figsize=(1.1 * cols * per, 1.25 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_frame_on(False)
    for k in range(len(samples)):
        r, c = divmod(k, cols)
        cells = [(samples[k], "sample", None)] + [(train[int(i[k])], f"{name}", float(d[k])) for name, (d, i) in found.items()]
        for j, (img, title, dist) in enumerate(cells):
            ax = axes[r, c * per + j]
            _show(ax, img)
            if dist is not None:
                ax.set_frame_on(True)
                for s in ax.spines.values():
                    s.set_edgecolor("gold"), s.set_linewidth(2.5)
                ax.set_xlabel(f"{dist:.2f}", fontsize=6, labelpad=1)
            if r == 0:
                ax.set_title(title if dist is None else f"nearest\n({title})", fontsize=7)
    fig.suptitle("samples and their nearest training images (distance below)", fontsize=9)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _show(ax, img: torch.Tensor) -> None:
    x = to_unit_double(img)
    if x.shape[0] == 1:
        ax.imshow(x[0].numpy(), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(x.permute(1, 2, 0).numpy())
