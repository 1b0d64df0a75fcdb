"""Metrics of class-conditional generators: samples come with the labels they were asked for.

A conditional GAN should match p(x | y) for every y, so every metric here is per class (docs/conditional.md):

- ``conditional_accuracy``: the share of samples asked for class y that divgan's classifier (the
  dataset's evaluator, ``divgan evaluator train NAME``) labels y; overall and per class.
- ``intra_class_fid``: FID between the fakes asked for y and the real images of class y, on divgan's
  evaluator features (the features FID of ``metrics.features``); per class and averaged over classes
  (Miyato & Koyama 2018's intra-FID).
- ``component_coverage`` (toy mixtures, the label is the component): the share of samples asked for
  component k within 3σ of mean k, and how many components get at least one such sample.

The core functions take tensors (predictions, features, samples) so they are testable on synthetic
inputs; the ``*_of`` wrappers run the evaluator first. Registered metrics (they read the asked labels
from ``MetricContext.labels`` and give nothing for unconditional runs): ``conditional`` (images:
conditional accuracy and intra-class FID) and ``cond_coverage`` (toy mixtures).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache

import torch

from ..errors import DivganError
from . import metric

REAL_PER_CLASS = 1000  # real images per class that intra-class FID compares with (fewer if the data has fewer)


def _labels(asked: torch.Tensor, n: int, num_classes: int) -> torch.Tensor:
    asked = torch.as_tensor(asked).reshape(-1).long()
    if len(asked) != n:
        raise DivganError(f"{n} samples but {len(asked)} asked labels")
    if len(asked) and (int(asked.min()) < 0 or int(asked.max()) >= num_classes):
        raise DivganError(f"asked labels must be in 0..{num_classes - 1}")
    return asked


def conditional_accuracy(predicted: torch.Tensor, asked: torch.Tensor, num_classes: int) -> dict:
    """``cond_accuracy``: the share of samples whose predicted class is the one asked for, and
    ``cond_accuracy_<y>`` for each class y asked at least once."""
    predicted = torch.as_tensor(predicted).reshape(-1).long()
    asked = _labels(asked, len(predicted), num_classes)
    hit = (predicted == asked).double()
    out = {"cond_accuracy": float(hit.mean()) if len(hit) else math.nan}
    for y in range(num_classes):
        mask = asked == y
        if mask.any():
            out[f"cond_accuracy_{y}"] = float(hit[mask].mean())
    return out


def conditional_accuracy_of(evaluator, samples: torch.Tensor, asked: torch.Tensor) -> dict:
    """``conditional_accuracy`` with the evaluator's predictions on ``samples`` (N×1×H×W)."""
    return conditional_accuracy(evaluator.predict(samples), asked, evaluator.classes)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The Fréchet distance between Gaussians fitted to feature sets a (N×F) and b (M×F)
    (torch-fidelity's FID formula, so the numbers match ``metrics.features``)."""
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric  # 2 s of imports: on use

    sa = fid_features_to_statistics(a.double().cpu())
    sb = fid_features_to_statistics(b.double().cpu())
    return float(fid_statistics_to_metric(sa, sb, False)["frechet_inception_distance"])


def intra_class_fid(fake_features: torch.Tensor, asked: torch.Tensor, real_features: torch.Tensor,
                    real_labels: torch.Tensor, num_classes: int, min_samples: int = 2) -> dict:
    """``intra_fid_<y>``: FID between the fakes asked for y and the reals of class y (skipped when
    either has fewer than ``min_samples``), and ``intra_fid``: their mean over the classes scored."""
    asked = _labels(asked, len(fake_features), num_classes)
    real_labels = _labels(real_labels, len(real_features), num_classes)
    out: dict = {}
    for y in range(num_classes):
        f, r = fake_features[asked == y], real_features[real_labels == y]
        if len(f) >= min_samples and len(r) >= min_samples:
            out[f"intra_fid_{y}"] = frechet_distance(f, r)
    scores = list(out.values())
    out["intra_fid"] = sum(scores) / len(scores) if scores else math.nan
    return out


def intra_class_fid_of(evaluator, samples: torch.Tensor, asked: torch.Tensor, real: torch.Tensor,
                       real_labels: torch.Tensor) -> dict:
    """``intra_class_fid`` on the evaluator's features of the samples and of the labelled real images."""
    return intra_class_fid(evaluator.features(samples), asked, evaluator.features(real), real_labels, evaluator.classes)


def component_coverage(samples: torch.Tensor, asked: torch.Tensor, means: torch.Tensor, std: float,
                       n_sigma: float = 3.0) -> dict:
    """Toy mixtures: ``cond_high_quality``: % of samples within nσ of the mean of the component they
    were asked for; ``cond_modes``: components with at least one such sample (of ``cond_modes_total``);
    ``cond_high_quality_<k>``: the % per component asked for."""
    x = torch.as_tensor(samples, dtype=torch.float64).reshape(len(samples), -1)
    means = torch.as_tensor(means, dtype=torch.float64).reshape(-1, x.shape[1])
    k = len(means)
    asked = _labels(asked, len(x), k)
    good = (x - means[asked]).norm(dim=1) <= n_sigma * std
    out = {"cond_high_quality": 100.0 * float(good.double().mean()) if len(x) else math.nan,
           "cond_modes": int(torch.bincount(asked[good], minlength=k).gt(0).sum()), "cond_modes_total": k}
    for c in range(k):
        mask = asked == c
        if mask.any():
            out[f"cond_high_quality_{c}"] = 100.0 * float(good[mask].double().mean())
    return out


def code_agreement(predicted: torch.Tensor, code: torch.Tensor, num_classes: int) -> dict:
    """InfoGAN: how well a categorical code (values 0..k−1, unsupervised) matches the classifier's
    classes. ``code_agreement``: the share of samples whose classifier label is the class matched to
    their code value, under the best one-to-one matching of code values to classes (the Hungarian
    algorithm on the k×K contingency table); ``code_to_class``: that matching."""
    from scipy.optimize import linear_sum_assignment

    predicted, code = torch.as_tensor(predicted).reshape(-1).long(), torch.as_tensor(code).reshape(-1).long()
    k = int(code.max()) + 1 if len(code) else 0
    table = torch.zeros(k, num_classes, dtype=torch.long)
    table.index_put_((code, predicted), torch.ones_like(code), accumulate=True)
    rows, cols = linear_sum_assignment(-table.numpy())
    hits = int(table[torch.as_tensor(rows), torch.as_tensor(cols)].sum())
    return {"code_agreement": hits / max(1, len(code)), "code_to_class": {int(r): int(c) for r, c in zip(rows, cols)}}


# ---------------------------------------------------------------- registered metrics


@metric("conditional", applies_to=("image",))
def conditional(ctx, samples):
    """Conditional accuracy (overall and per class) and intra-class FID (per class and averaged) of a
    class-conditional run, with the dataset's evaluator; nothing for unconditional runs."""
    from ..evaluator import load_evaluator
    from .features import run_evaluator

    if ctx.labels is None or run_evaluator(ctx) is None:
        return {}
    ev = load_evaluator(ctx.evaluator)
    if ev.classes != _num_classes(ctx):
        return {}
    out = conditional_accuracy_of(ev, samples, ctx.labels)
    real_features, real_labels = _real_features(json.dumps(ctx.data_cfg, sort_keys=True), ctx.evaluator)
    out.update(intra_class_fid(ev.features(samples), ctx.labels, real_features, real_labels, ev.classes))
    return out


@metric("cond_coverage", applies_to=("toy",))
def cond_coverage(ctx, samples):
    """Toy mixtures, conditional runs: per-component coverage (samples within 3σ of the component
    asked for); nothing for unconditional runs."""
    if ctx.labels is None or getattr(ctx.data, "means", None) is None:
        return {}
    return component_coverage(samples, ctx.labels, ctx.data.means, ctx.data.std)


def _num_classes(ctx) -> int | None:
    return int(ctx.labels.max()) + 1 if getattr(ctx.data, "num_classes", None) is None else ctx.data.num_classes


@lru_cache(maxsize=2)
def _real_features(section_json: str, evaluator: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Evaluator features and labels of at most ``REAL_PER_CLASS`` real images per class (a fixed
    random subset of the training data), computed once per process."""
    from ..data import build_dataset
    from ..evaluator import load_evaluator

    ds = build_dataset(json.loads(section_json))
    images, labels = ds.images, torch.as_tensor(ds.labels).long()
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(12345))
    keep = torch.cat([order[labels[order] == k][:REAL_PER_CLASS] for k in range(int(labels.max()) + 1)])
    return load_evaluator(evaluator).features(images[keep]), labels[keep]
