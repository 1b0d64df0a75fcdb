"""Image datasets held in memory as one uint8 tensor and batched by indexing.

Every image dataset gives batches in [-1, 1] of shape N×C×H×W. Decoding, centre-cropping and resizing
happen once, at load time; the decoded uint8 tensor is cached (``DIVGAN_CACHE``, default
``~/.cache/divgan/cache``) so that later runs load in well under a second. The data order is
*epochs without replacement*: a permutation per epoch drawn from a generator seeded by (seed, epoch),
sharded by rank, with the position in ``state_dict()`` so that a resumed run sees exactly the batches
of an uninterrupted one.

``data.root`` defaults to ``$DIVGAN_DATA`` or ``~/.cache/divgan/data`` and uses torchvision's layout
(``ROOT/MNIST/raw/*.gz``, ``ROOT/cifar-10-batches-py``, ``ROOT/stl10_binary``, ``ROOT/celeba``). A
read-only root is fine: files are read where they are and never extracted beside them. Missing files
are downloaded with torchvision when ``download`` is on; without network the error says where to put
which files.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field

from ..errors import DivganError
from ..params import Params
from . import DATASETS


def default_root() -> Path:
    return Path(os.environ.get("DIVGAN_DATA") or Path.home() / ".cache" / "divgan" / "data")


def cache_dir() -> Path:
    return Path(os.environ.get("DIVGAN_CACHE") or Path.home() / ".cache" / "divgan" / "cache")


def resolve_root(root: str | None) -> Path:
    return Path(root).expanduser() if root else default_root()


class ImageParams(Params):
    """Options shared by the image datasets."""

    root: str | None = Field(None, description="data folder (default $DIVGAN_DATA or ~/.cache/divgan/data)")
    split: Literal["train", "test", "all"] = "train"
    size: int | None = Field(None, ge=1, description="resize to size×size (after the crop)")
    crop: int | None = Field(None, ge=1, description="centre-crop to crop×crop first")
    download: bool = True
    limit: int | None = Field(None, ge=1, description="use only the first N images")


# ---------------------------------------------------------------- order, transforms, cache


class EpochOrder:
    """Epochs without replacement: a permutation per epoch seeded by (seed, epoch), rank-sharded.

    Every rank draws the same permutation and takes every ``world_size``-th index from ``rank`` (the
    tail that does not divide evenly is dropped), so the shards are disjoint and equally long."""

    def __init__(self, n: int, seed: int = 0, rank: int = 0, world_size: int = 1):
        if n < world_size:
            raise DivganError(f"dataset has {n} images, fewer than the {world_size} processes")
        self.n, self.seed, self.rank, self.world_size = n, seed, rank, world_size
        self.epoch, self.pos = 0, 0
        self._shard: torch.Tensor | None = None
        self._shard_epoch = -1

    def shard(self) -> torch.Tensor:
        if self._shard_epoch != self.epoch:
            g = torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) % (2**63))
            perm = torch.randperm(self.n, generator=g)
            usable = self.n - self.n % self.world_size
            self._shard, self._shard_epoch = perm[self.rank:usable:self.world_size], self.epoch
        return self._shard

    def take(self, k: int) -> torch.Tensor:
        """The next k indices (crossing into the next epoch's permutation when one runs out)."""
        out = []
        while k > 0:
            shard = self.shard()
            chunk = shard[self.pos:self.pos + k]
            out.append(chunk)
            k -= len(chunk)
            self.pos += len(chunk)
            if self.pos >= len(shard):
                self.epoch, self.pos = self.epoch + 1, 0
        return torch.cat(out)

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.pos = int(state["epoch"]), int(state["pos"])


def transform(images: torch.Tensor, crop: int | None = None, size: int | None = None, batch: int = 4096) -> torch.Tensor:
    """uint8 N×C×H×W -> centre-cropped to ``crop`` then resized (antialiased bilinear) to ``size``."""
    if crop:
        h, w = images.shape[-2:]
        if crop > min(h, w):
            raise DivganError(f"data.crop={crop} is larger than the images ({h}×{w})")
        top, left = (h - crop) // 2, (w - crop) // 2
        images = images[..., top:top + crop, left:left + crop]
    if size and tuple(images.shape[-2:]) != (size, size):
        out = []
        for chunk in images.split(batch):
            x = F.interpolate(chunk.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
            out.append(x.round_().clamp_(0, 255).to(torch.uint8))
        images = torch.cat(out)
    return images.contiguous()


def tv_dataset(name: str):
    """A torchvision dataset class (imported lazily: only to download or verify checksums)."""
    import torchvision.datasets as tvd

    return getattr(tvd, name)


def missing_from(path: Path) -> Path | None:
    """The outermost of ``path`` and its parents that does not exist yet (what a download would create)."""
    top = None
    for q in (path, *path.parents):
        if q.exists():
            break
        top = q
    return top


def remove_created(top: Path | None) -> None:
    """After a failed download: remove the folder it created (``missing_from`` before it ran), never more."""
    if top is not None and top.is_dir():
        shutil.rmtree(top, ignore_errors=True)


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float32 in [-1, 1]."""
    return x.float().div_(127.5).sub_(1.0)


def prepared(name: str, p: ImageParams, files: list[Path], build_raw):
    """``build_raw()`` -> (uint8 images, labels), limited, cropped and resized per ``p``, cached."""

    def build():
        images, labels = build_raw()
        if p.limit:
            images, labels = images[:p.limit], labels[:p.limit]
        return transform(images, p.crop, p.size), labels

    return cached(f"{name}-{p.split}-{p.limit}-{p.crop}-{p.size}", files, build)


def cached(key: str, files: list[Path], build):
    """``build()`` -> (images, labels), cached on disk under a key that includes the files' sizes and
    modification times (a changed file rebuilds). Writing the cache is best effort."""
    stamp = "|".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    path = cache_dir() / f"{key}-{hashlib.sha1(stamp.encode()).hexdigest()[:12]}.pt"
    if path.is_file():
        try:
            blob = torch.load(path, weights_only=True)
            return blob["images"], blob["labels"]
        except Exception:  # a truncated cache file is rebuilt
            pass
    images, labels = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        torch.save({"images": images, "labels": labels}, tmp)
        os.replace(tmp, path)
    except OSError:
        pass
    return images, labels


# ---------------------------------------------------------------- the in-memory dataset


def infer_classes(labels) -> int | None:
    """K for labels 0..K-1; None when there are no labels (absent, empty, or -1 for unlabelled)."""
    if labels is None or len(labels) == 0:
        return None
    labels = torch.as_tensor(labels)
    return None if int(labels.min()) < 0 else int(labels.max()) + 1


def known_classes(labels, num_classes: int | None) -> int | None:
    """A dataset's K: ``num_classes`` if given (0: declared unlabelled), else inferred from the labels."""
    known = infer_classes(labels)
    return None if known is None or num_classes == 0 else (num_classes or known)


class InMemoryImages:
    """uint8 images in memory, batched by indexing; ``sample`` ignores the generator (the order is
    the dataset's own, seeded by the run's seed, so it resumes exactly). ``labels=True`` also returns
    the images' labels (the same indices); ``num_classes`` is the given K (0: unlabelled), else
    inferred from the labels."""

    kind = "image"
    evaluator: str | None = None  # the divgan evaluator (classifier) that scores samples of this dataset
    per_channel_labels = False  # Stacked MNIST: the evaluator labels each channel
    has_test_split = True  # split=test exists (the held-out reference set of the image metrics)

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None,
                 rank: int = 0, world_size: int = 1, seed: int = 0, num_classes: int | None = None, **_context):
        self.images, self.labels = images.contiguous(), labels
        self.num_classes = known_classes(labels, num_classes)
        self.shape = tuple(self.images.shape[1:])
        self.order = EpochOrder(len(self.images), seed, rank, world_size)

    def __len__(self) -> int:
        return len(self.images)

    def sample(self, n: int, generator: torch.Generator | None = None, labels: bool = False):
        idx = self.order.take(n)
        x = to_float(self.images[idx])
        return (x, self.labels[idx]) if labels else x

    def state_dict(self) -> dict:
        return self.order.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.order.load_state_dict(state)


# ---------------------------------------------------------------- MNIST and Fashion-MNIST


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST format), gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class _IdxDataset(InMemoryImages):
    """MNIST-format data from ``ROOT/<folder>/raw`` (the .gz files, or torchvision's extracted files)."""

    folder: str
    tv_class: str
    url: str

    class Params(ImageParams):
        pass

    def __init__(self, p: ImageParams, **context):
        root = resolve_root(p.root)
        raw = root / self.folder / "raw"
        splits = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}[p.split]
        names = [f"{s}-{kind}-idx{d}-ubyte" for s in splits for kind, d in (("images", 3), ("labels", 1))]

        def find() -> list[Path] | None:
            found = [next((c for c in (raw / f"{n}.gz", raw / n) if c.is_file()), None) for n in names]
            return None if None in found else found

        files = find()
        created = missing_from(raw)
        if files is None and p.download:
            try:
                for train in sorted({s == "train" for s in splits}):
                    self.torchvision_class()(str(root), train=train, download=True)
            except Exception:  # no network, read-only root, ...
                pass
            files = find()
        if files is None:
            remove_created(created)  # torchvision makes ROOT/MNIST/raw before it fails
            raise DivganError(
                f"{self.registry_name} not found: put {', '.join(n + '.gz' for n in names)} in {raw} "
                f"(from {self.url}), or set data.root / $DIVGAN_DATA to the folder holding {self.folder}/raw")
        def build():
            from torchvision.datasets.utils import check_integrity

            md5 = dict(self.torchvision_class().resources)
            for f in files:
                if f.suffix == ".gz" and not check_integrity(str(f), md5.get(f.name)):
                    raise DivganError(f"{f} is corrupt (MD5 mismatch); delete it and download it again")
            arrays = [read_idx(f) for f in files]
            images = torch.from_numpy(np.concatenate(arrays[0::2])).unsqueeze(1).clone()
            labels = torch.from_numpy(np.concatenate(arrays[1::2]).astype(np.int64))
            return images, labels

        super().__init__(*prepared(self.registry_name, p, files, build), num_classes=10, **context)

    @classmethod
    def torchvision_class(cls):
        return tv_dataset(cls.tv_class)


@DATASETS.register("mnist")
class MNIST(_IdxDataset):
    """MNIST handwritten digits, 1×28×28 (60,000 train / 10,000 test)."""

    folder, tv_class, url = "MNIST", "MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/"
    evaluator = "mnist"


@DATASETS.register("fashion_mnist")
class FashionMNIST(_IdxDataset):
    """Fashion-MNIST clothing images, 1×28×28 (60,000 train / 10,000 test)."""

    folder, tv_class, url = "FashionMNIST", "FashionMNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    evaluator = "fashion"


# ---------------------------------------------------------------- scikit-learn's digits (embedded)


@DATASETS.register("digits")
class Digits(InMemoryImages):
    """scikit-learn's 8×8 handwritten digits (1,797 images, 17 grey levels): ships with
    scikit-learn, so it needs no download. ``split`` is ignored (there is one set)."""

    evaluator, has_test_split = "digits", False

    class Params(ImageParams):
        pass

    def __init__(self, p: "Digits.Params", **context):
        from sklearn.datasets import load_digits

        d = load_digits()
        images = torch.from_numpy(np.round(d.images * (255.0 / 16.0)).astype(np.uint8)).unsqueeze(1)
        labels = torch.from_numpy(d.target.astype(np.int64))
        if p.limit:
            images, labels = images[:p.limit], labels[:p.limit]
        super().__init__(transform(images, p.crop, p.size), labels, num_classes=10, **context)


# ---------------------------------------------------------------- CIFAR-10 and STL-10


def _download_or_fail(name: str, root: Path, ok, download: bool, fetch, where: str) -> None:
    """Run torchvision's ``fetch()`` if the files are missing and downloads are on; fail in one line."""
    created = missing_from(root)
    if not ok() and download:
        try:
            fetch()
        except Exception:
            pass
    if not ok():
        remove_created(created)
        raise DivganError(f"{name} not found: {where} (or set data.root / $DIVGAN_DATA)")


@DATASETS.register("cifar10")
class CIFAR10(InMemoryImages):
    """CIFAR-10, 3×32×32 (50,000 train / 10,000 test), from the python pickle batches."""

    class Params(ImageParams):
        pass

    def __init__(self, p: "CIFAR10.Params", **context):
        root = resolve_root(p.root)
        folder = root / "cifar-10-batches-py"
        names = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
        names["all"] = names["train"] + names["test"]
        files = [folder / n for n in names[p.split]]
        _download_or_fail("cifar10", root, lambda: all(f.is_file() for f in files), p.download,
                          lambda: tv_dataset("CIFAR10")(str(root), download=True),
                          f"put {', '.join(names['all'])} (from cifar-10-python.tar.gz) in {folder}")

        def build():
            images, labels = [], []
            for f in files:
                with open(f, "rb") as fh:
                    batch = pickle.load(fh, encoding="latin1")
                images.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
                labels.append(np.asarray(batch["labels"], dtype=np.int64))
            return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels))

        super().__init__(*prepared("cifar10", p, files, build), num_classes=10, **context)


@DATASETS.register("stl10")
class STL10(InMemoryImages):
    """STL-10, 3×96×96: ``split`` unlabeled (100,000 images, the default), train (5,000 labelled) or
    test (8,000 labelled), from the binary files. Resized in chunks straight from the file (use
    ``size`` to keep memory small: the unlabelled set is 2.8 GB at 96×96)."""

    class Params(ImageParams):
        split: Literal["unlabeled", "train", "test", "train+unlabeled"] = "unlabeled"

    def __init__(self, p: "STL10.Params", **context):
        root = resolve_root(p.root)
        folder = root / "stl10_binary"
        parts = p.split.split("+")
        files = [folder / f"{s}_X.bin" for s in parts] + [folder / f"{s}_y.bin" for s in parts if s != "unlabeled"]
        _download_or_fail("stl10", root, lambda: all(f.is_file() for f in files), p.download,
                          lambda: tv_dataset("STL10")(str(root), split=p.split, download=True),
                          f"put {', '.join(f.name for f in files)} (from stl10_binary.tar.gz) in {folder}")

        def build():
            images, labels = [], []
            for s in parts:
                x = np.memmap(folder / f"{s}_X.bin", dtype=np.uint8, mode="r").reshape(-1, 3, 96, 96)
                n = min(len(x), p.limit) if p.limit else len(x)
                for i in range(0, n, 4096):  # column-major 96×96 planes -> transpose H and W
                    chunk = torch.from_numpy(np.ascontiguousarray(x[i:min(i + 4096, n)].transpose(0, 1, 3, 2)))
                    images.append(transform(chunk, p.crop, p.size))
                if s == "unlabeled":
                    labels.append(np.full(n, -1, dtype=np.int64))
                else:
                    labels.append(np.fromfile(folder / f"{s}_y.bin", dtype=np.uint8)[:n].astype(np.int64) - 1)
            return torch.cat(images), torch.from_numpy(np.concatenate(labels))

        images, labels = cached(f"stl10-{p.split}-{p.limit}-{p.crop}-{p.size}", files, build)
        super().__init__(images, labels, num_classes=None if "unlabeled" in parts else 10, **context)
