"""Datasets of image files: CelebA and any folder of images.

Small sets (``preload: auto`` up to ``preload_limit`` files) are decoded once by DataLoader workers
into one cached uint8 tensor and batched by indexing like MNIST. Large sets stream: a DataLoader
decodes the next batches in worker processes while the model trains, following the same
epoch-without-replacement order (a copy of it drives the loader's batch sampler), so streaming
resumes exactly too.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import Field
from torch.utils.data import DataLoader, Dataset

from ..errors import DivganError
from . import DATASETS
from .images import EpochOrder, ImageParams, InMemoryImages, cached, known_classes, resolve_root, to_float, transform

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class FileParams(ImageParams):
    channels: Literal[1, 3] = 3
    preload: Literal["auto", "on", "off"] = "auto"
    preload_limit: int = Field(20_000, ge=0, description="auto preloads sets of at most this many files")
    workers: int = Field(2, ge=0, description="DataLoader decoding processes")


class ImageFiles(Dataset):
    """Decodes file i into a uint8 C×H×W tensor (centre-cropped, resized) and its label."""

    def __init__(self, files: list[Path], labels: list[int], channels: int, crop: int | None, size: int | None):
        self.files, self.labels, self.mode = files, labels, "RGB" if channels == 3 else "L"
        self.crop, self.size = crop, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int):
        from PIL import Image

        with Image.open(self.files[i]) as im:
            arr = np.asarray(im.convert(self.mode))
        x = torch.from_numpy(arr.copy()).reshape(arr.shape[0], arr.shape[1], -1).permute(2, 0, 1)
        return transform(x[None], self.crop, self.size)[0], self.labels[i]


def _collate(batch):
    images, labels = zip(*batch)
    if len({tuple(x.shape) for x in images}) > 1:
        raise DivganError("the images have different sizes; set data.size (and data.crop) to make them equal")
    return torch.stack(images), torch.tensor(labels)


class _Batches:
    """The loader's batch sampler: batches of n indices from a copy of the dataset's order."""

    def __init__(self, order: EpochOrder, n: int):
        self.order, self.n = order, n

    def __iter__(self):
        while True:
            yield self.order.take(self.n).tolist()


class StreamingImages:
    """Images decoded on the fly by DataLoader workers, in the dataset's exact epoch order."""

    kind = "image"

    def __init__(self, files: ImageFiles, workers: int, rank: int = 0, world_size: int = 1, seed: int = 0,
                 num_classes: int | None = None, **_context):
        self.files, self.workers = files, workers
        self.num_classes = known_classes(files.labels, num_classes)
        self.shape = tuple(files[0][0].shape)
        self.order = EpochOrder(len(files), seed, rank, world_size)
        self._batches, self._n = None, 0

    def __len__(self) -> int:
        return len(self.files)

    def sample(self, n: int, generator: torch.Generator | None = None, labels: bool = False):
        if self._batches is None or n != self._n:  # (re)start the loader at the current position
            loader = DataLoader(self.files, batch_sampler=_Batches(copy.deepcopy(self.order), n), collate_fn=_collate,
                                num_workers=self.workers, prefetch_factor=2 if self.workers else None)
            self._batches, self._n = iter(loader), n
        x, y = next(self._batches)
        self.order.take(n)  # the loader's copy is exactly this far ahead in the same order
        if tuple(x.shape[1:]) != self.shape:
            raise DivganError("the images have different sizes; set data.size (and data.crop) to make them equal")
        return (to_float(x), y) if labels else to_float(x)

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)
        self._batches = None


def load_files(name: str, files: list[Path], labels: list[int], p: FileParams, **context):
    """In memory (decoded once, cached) or streaming, per ``p.preload``. ``context`` may carry
    ``num_classes`` (0: unlabelled)."""
    if not files:
        raise DivganError(f"{name}: no images found")
    if p.limit:
        files, labels = files[:p.limit], labels[:p.limit]
    ds = ImageFiles(files, labels, p.channels, p.crop, p.size)
    if p.preload == "off" or (p.preload == "auto" and len(files) > p.preload_limit):
        return StreamingImages(ds, p.workers, **context)

    def build():
        loader = DataLoader(ds, batch_size=256, num_workers=p.workers, collate_fn=_collate)
        images, ys = zip(*loader)
        return torch.cat(images), torch.cat(ys)

    key = f"{name}-{p.split}-{p.limit}-{p.crop}-{p.size}-{p.channels}"
    return InMemoryImages(*cached(key, files, build), **context)


@DATASETS.register("folder")
class ImageFolder:
    """Every image under ``data.root`` (recursively; PNG, JPEG, ...). Labels are the index of the
    first-level subfolder (as torchvision's ImageFolder), or 0; ``num_classes`` is the number of
    subfolders (none when there are none: an unlabelled folder). Set ``size`` if the images differ."""

    class Params(FileParams):
        split: Literal["all"] = "all"

    def __new__(cls, p: "ImageFolder.Params", **context):
        if not p.root:
            raise DivganError("data.root: the folder dataset needs the folder of images (--set data.root=PATH)")
        root = resolve_root(p.root)
        if not root.is_dir():
            raise DivganError(f"data.root: image folder {root} does not exist")
        files = sorted(f for f in root.rglob("*") if f.suffix.lower() in EXTENSIONS and f.is_file())
        classes = sorted({f.relative_to(root).parts[0] for f in files if len(f.relative_to(root).parts) > 1})
        index = {c: i for i, c in enumerate(classes)}
        labels = [index.get(f.relative_to(root).parts[0], 0) for f in files]
        if not files:
            raise DivganError(f"data.root: no images ({', '.join(sorted(EXTENSIONS))}) under {root}")
        return load_files("folder", files, labels, p, **{**context, "num_classes": len(classes)})


@DATASETS.register("celeba")
class CelebA:
    """CelebA aligned faces (202,599 images, 178×218 JPEG), by default centre-cropped to 108 and
    resized to 64 (the usual DCGAN setting). Split from ``list_eval_partition.txt``."""

    class Params(FileParams):
        split: Literal["train", "valid", "test", "all"] = "all"
        crop: int | None = Field(108, ge=1)
        size: int | None = Field(64, ge=1)

    def __new__(cls, p: "CelebA.Params", **context):
        root = resolve_root(p.root)
        folder = root / "celeba"
        images = folder / "img_align_celeba"
        partition = folder / "list_eval_partition.txt"

        def ok() -> bool:
            return images.is_dir() and (p.split == "all" or partition.is_file())

        if not ok() and p.download:
            try:
                from .images import tv_dataset

                tv_dataset("CelebA")(str(root), split="all", download=True)
            except Exception:
                pass
        if not ok():
            raise DivganError(f"celeba not found: put img_align_celeba/ (from img_align_celeba.zip) and "
                              f"list_eval_partition.txt in {folder} (or set data.root / $DIVGAN_DATA)")
        if p.split == "all":
            files = sorted(f for f in images.iterdir() if f.suffix.lower() in EXTENSIONS)
        else:
            want = {"train": "0", "valid": "1", "test": "2"}[p.split]
            rows = [line.split() for line in partition.read_text().splitlines() if line.strip()]
            files = [images / name for name, part in rows if part == want]
        return load_files("celeba", files, [-1] * len(files), p, **context)
