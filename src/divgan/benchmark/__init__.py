"""``divgan benchmark``: a published table reproduced, one config per row, mean ± s.e. over seeds.

A *protocol* (registered in ``PROTOCOLS``, one class each in :mod:`.protocols`) says which configs
it runs by default, which datasets it accepts, how many generator samples it scores with which
metrics, the columns of its table, and the published rows (with their paper and table) shown beside
divgan's. :mod:`.runner` trains each (config, seed[, budget]) as an ordinary ``divgan train`` run
directory in a subprocess, in parallel, resumably, and scores it; :mod:`.report` writes the table,
``results.csv``, ``results.md`` and ``results.html``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..plugins import import_all
from ..registry import Registry

PROTOCOLS: Registry = Registry("benchmark protocol")


def protocol(name: str):
    return PROTOCOLS.register(name)


@dataclass(frozen=True)
class Column:
    """A table column: the metric key in ``evaluation.json``, its heading, format and which way is better."""

    key: str
    label: str
    fmt: str = ".2f"
    better: str = "max"  # or "min"


@dataclass(frozen=True)
class Published:
    """A published row: a label (the method), {column key: (value, ± or None)} and its source."""

    label: str
    values: dict
    source: str


class Protocol:
    """The base class: subclasses set the class attributes below (and may override ``budgets``)."""

    title: str = ""
    configs: tuple[str, ...] = ()  # run when no config is named
    datasets: tuple[str, ...] = ()  # data.name values the protocol accepts
    metrics: tuple[str, ...] = ()  # divgan metric names scored on each run
    n_samples: int = 0
    columns: tuple[Column, ...] = ()
    published: tuple[Published, ...] = ()
    evaluator: str | None = None  # the divgan evaluator the metrics need ("mnist"), if any
    notes: tuple[str, ...] = ()  # lines printed under the table

    def budgets(self, minutes: list[float] | None) -> list[float | None]:
        """Training-time budgets (minutes) to run each config at; ``[None]``: the config's own steps."""
        return [None]

    def extra(self, n_samples: int) -> dict:
        """Protocol-wide values shown beside the table (e.g. a sampling floor)."""
        return {}


import_all(__name__, __path__)
