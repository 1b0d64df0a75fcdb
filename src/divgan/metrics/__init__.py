"""Evaluation metrics, registered by name.

A metric is a function ``fn(trainer, samples) -> dict[str, float]`` called at every evaluation with
``eval.n_samples`` generator samples; ``applies_to`` says which data kinds ("toy", "image") it is a
default for when ``eval.metrics`` is ``[auto]``. Every module of this package is imported."""
from __future__ import annotations

from typing import Callable

from ..plugins import import_all
from ..registry import Registry

METRICS: Registry[Callable] = Registry("metric")


def metric(name: str, applies_to: tuple[str, ...] = ()):
    """Register ``fn(trainer, samples) -> dict`` as metric ``name`` (default for ``applies_to`` kinds)."""

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


import_all(__name__, __path__)
