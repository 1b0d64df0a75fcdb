"""Datasets: registered by name; each is a class with a ``Params`` model.

A dataset gives real minibatches: ``sample(n, generator) -> Tensor`` in the model's space (toys: raw
coordinates; images: [-1, 1], shape N×C×H×W), has ``shape`` and ``kind`` ("toy" or "image"), and
keeps its data order position in ``state_dict()`` so that a resumed run sees exactly the batches an
uninterrupted run would have seen. A labelled dataset has ``num_classes`` (K, labels 0..K-1; None
when it has no labels) and ``sample(n, generator, labels=True) -> (x, y)`` gives each image's label
(toy mixtures: the component it was drawn from), drawn in the same order as the images. Every
module of this package is imported, so a new dataset is one decorated class in one new file.

What metrics need to know about a dataset lives on its class: ``evaluator`` (the classifier of
``divgan.evaluator`` that scores its samples, or None), ``per_channel_labels`` (Stacked MNIST: the
evaluator labels each channel; modes are the label triples) and ``has_test_split``."""
from __future__ import annotations

from ..plugins import import_all
from ..registry import Registry

DATASETS: Registry = Registry("dataset")


def build_dataset(section: dict, **context):
    """Dataset from a ``data`` config section (``{"name": ..., **params}``).

    ``context`` carries run facts (rank, world_size, seed) that sharded datasets need."""
    cls = DATASETS[section["name"]]
    params = cls.Params(**{k: v for k, v in section.items() if k != "name"})
    return cls(params, **context)


def describe(data, section: dict) -> dict:
    """What a checkpoint keeps about its dataset, so that sampling needs no data files: name, kind,
    shape, value range ([-1, 1] for images), number of classes (when the dataset has labels) and the
    dataset-specific facts metrics use (``evaluator``, ``per_channel_labels``)."""
    classes = getattr(data, "num_classes", None)
    return {"name": section["name"], "kind": data.kind, "shape": [int(d) for d in data.shape],
            "value_range": [-1.0, 1.0] if data.kind == "image" else None,
            "num_classes": classes if isinstance(classes, int) else None,
            "evaluator": getattr(data, "evaluator", None), "per_channel_labels": bool(getattr(data, "per_channel_labels", False))}


class StandIn:
    """A dataset known only by its checkpoint's ``describe()`` record: enough to build the models and
    sample. Anything that needs real data builds the real dataset on first use (``build()``), which
    fails with the dataset's own one-line error when its files are missing."""

    def __init__(self, meta: dict, section: dict, **context):
        self.meta, self._section, self._context, self._real = meta, section, context, None
        self.kind, self.shape, self.name = meta["kind"], tuple(meta["shape"]), meta["name"]
        self.evaluator, self.per_channel_labels = meta.get("evaluator"), meta.get("per_channel_labels", False)
        self.num_classes = meta.get("num_classes")
        self._order = None

    def build(self):
        if self._real is None:
            self._real = build_dataset(self._section, **self._context)
            if self._order is not None:
                self._real.load_state_dict(self._order)
        return self._real

    def state_dict(self) -> dict:
        return self._real.state_dict() if self._real is not None else (self._order or {})

    def load_state_dict(self, state: dict) -> None:
        self._order = state
        if self._real is not None:
            self._real.load_state_dict(state)

    def __getattr__(self, name):  # sample(), labels, means, ...: the real dataset
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.build(), name)


import_all(__name__, __path__)
