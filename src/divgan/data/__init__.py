"""Datasets: registered by name; each is a class with a ``Params`` model.

A dataset gives real minibatches: ``sample(n, generator) -> Tensor`` in the model's space (toys: raw
coordinates; images: [-1, 1], shape N×C×H×W), has ``shape`` and ``kind`` ("toy" or "image"), and
keeps its data order position in ``state_dict()`` so that a resumed run sees exactly the batches an
uninterrupted run would have seen. A labelled dataset has ``num_classes`` (K, labels 0..K-1; None
when it has no labels) and ``sample(n, generator, labels=True) -> (x, y)`` gives each image's label
(toy mixtures: the component it was drawn from), drawn in the same order as the images. Every
module of this package is imported, so a new dataset is one decorated class in one new file."""
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


import_all(__name__, __path__)
