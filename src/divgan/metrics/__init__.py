"""Evaluation metrics, registered by name.

A metric is a function ``fn(ctx, samples) -> dict[str, float]`` called at every evaluation with
``eval.n_samples`` generator samples and a ``MetricContext`` (the dataset and its config, the device,
a log function: never the trainer); ``applies_to`` says which data kinds ("toy", "image") it is a
default for when ``eval.metrics`` is ``[auto]``. Every module of this package is imported."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ..plugins import import_all
from ..registry import Registry

METRICS: Registry[Callable] = Registry("metric")


@dataclass
class MetricContext:
    """What a metric may know besides the samples: ``data`` (the dataset: ``kind``, ``shape``,
    ``sample()``; toys: ``means``, ``std``, ``log_prob``; dataset facts such as ``evaluator``),
    ``data_cfg`` (its config section: the key of cached real-data sets), ``device``, ``log``,
    ``step`` (the training step being evaluated; 0 outside training) and ``labels`` (a conditional
    run: the class each sample was asked for, aligned with the samples; None otherwise)."""

    data: object
    data_cfg: dict
    device: str = "cpu"
    log: Callable = print
    warned: set = field(default_factory=set)  # one-time warnings already given
    step: int = 0
    labels: object = None  # torch.Tensor (N,) of asked classes, or None

    @classmethod
    def of(cls, core, log=None) -> "MetricContext":
        """The context of a training core (anything with ``data``, ``cfg``, ``device``, ``log``, ``step``)."""
        return cls(core.data, dict(core.cfg.data), str(core.device), log or core.log, step=core.step)

    @property
    def evaluator(self) -> str | None:
        """The divgan evaluator (classifier) that scores this dataset's samples, or None."""
        return getattr(self.data, "evaluator", None)


def metric(name: str, applies_to: tuple[str, ...] = ()):
    """Register ``fn(ctx, samples) -> dict`` as metric ``name`` (default for ``applies_to`` kinds)."""

    def deco(fn):
        fn.applies_to = applies_to
        return METRICS.register(name)(fn)

    return deco


def metrics_for(names: list[str], kind: str) -> list[str]:
    if names == ["auto"]:
        return [n for n, fn in METRICS.items() if kind in fn.applies_to]
    for n in names:
        METRICS[n]  # raises a clear error for unknown names
    return names


def reference_values(ctx, names: list[str], n: int = 1000) -> dict:
    """Each evaluation metric of the run computed on real data instead of generator samples: the
    value a perfect generator would get (e.g. modes 8/8, % high-quality ≈ 98.9, KL ≈ 0 on the ring).

    ``ctx`` is the run's ``MetricContext``; toys: n fresh real samples; images: held-out real images
    (``divgan.metrics.features.reference``). Uses its own random numbers so the training run is not
    perturbed."""
    import torch

    ref: dict = {}
    ctx = replace(ctx, labels=None)  # real data is not "asked for" a class: conditional metrics skip it
    with torch.random.fork_rng(devices=[]):
        if ctx.data.kind == "image":
            from .features import reference

            ref = reference(ctx, names)
        else:
            real = ctx.data.sample(n, torch.Generator().manual_seed(2**31 - 1))
            for name in names:
                ref.update(METRICS[name](ctx, real))
    return {k: v for k, v in ref.items() if isinstance(v, (int, float))}


import_all(__name__, __path__)
