"""Image datasets: real MNIST files, the embedded digits, CIFAR-10 and STL-10 in their real formats,
epoch order without replacement, rank sharding and exact resume."""
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from divgan.data import build_dataset
from divgan.data.images import EpochOrder, transform
from divgan.errors import DivganError

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
needs_mnist = pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DIVGAN_DATA", str(tmp_path / "nodata"))


def test_epoch_order_is_a_permutation_per_epoch_and_resumes():
    o = EpochOrder(10, seed=3)
    first = o.take(7)
    state = o.state_dict()
    rest = o.take(8)  # crosses into epoch 1
    assert sorted(torch.cat([first, rest[:3]]).tolist()) == list(range(10))
    assert o.state_dict() == {"epoch": 1, "pos": 5}
    o2 = EpochOrder(10, seed=3)
    o2.load_state_dict(state)
    assert torch.equal(o2.take(8), rest)
    assert not torch.equal(EpochOrder(10, seed=4).take(10), EpochOrder(10, seed=3).take(10))


def test_epoch_order_shards_are_disjoint():
    shards = [EpochOrder(11, seed=0, rank=r, world_size=3).take(3) for r in range(3)]
    allidx = torch.cat(shards).tolist()
    assert len(set(allidx)) == 9


def test_digits_embedded():
    d = build_dataset({"name": "digits"}, seed=0)
    assert d.kind == "image" and d.shape == (1, 8, 8) and len(d) == 1797
    x, y = d.sample(2000, labels=True)  # more than one epoch
    assert x.shape == (2000, 1, 8, 8) and x.min() >= -1 and x.max() <= 1
    assert x.min() == -1 and x.max() == 1
    assert set(y.tolist()) == set(range(10))
    assert build_dataset({"name": "digits", "size": 16}).shape == (1, 16, 16)


def test_transform_crop_and_resize():
    x = torch.zeros(2, 3, 10, 12, dtype=torch.uint8)
    x[..., 3:7, 4:8] = 255
    y = transform(x, crop=4)
    assert y.shape == (2, 3, 4, 4) and (y == 255).all()
    assert transform(x, crop=8, size=16).shape == (2, 3, 16, 16)
    with pytest.raises(DivganError):
        transform(x, crop=11)


@needs_mnist
def test_mnist_from_read_only_shared_root(tmp_path):
    d = build_dataset({"name": "mnist", "root": str(SHARED)}, seed=0)
    assert d.shape == (1, 28, 28) and len(d) == 60000
    x, y = d.sample(64, labels=True)
    assert x.dtype == torch.float32 and x.min() == -1 and x.max() <= 1
    assert 0 <= y.min() and y.max() <= 9
    assert not list(SHARED.glob("MNIST/raw/*-ubyte"))  # nothing extracted beside the .gz files
    assert list((tmp_path / "cache").glob("mnist-train-*.pt"))
    again = build_dataset({"name": "mnist", "root": str(SHARED)}, seed=0)  # from the cache
    assert torch.equal(again.images, d.images)
    t = build_dataset({"name": "fashion_mnist", "root": str(SHARED), "split": "test", "size": 32}, seed=0)
    assert t.shape == (1, 32, 32) and len(t) == 10000


def test_missing_mnist_names_the_files(tmp_path):
    with pytest.raises(DivganError, match="train-images-idx3-ubyte.gz.*MNIST/raw"):
        build_dataset({"name": "mnist", "root": str(tmp_path / "empty"), "download": False})


def _write_cifar(folder: Path, n: int = 20):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": rng.integers(0, 10, n).tolist()}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    return rng


def test_cifar10_pickle_batches(tmp_path):
    _write_cifar(tmp_path / "cifar-10-batches-py")
    d = build_dataset({"name": "cifar10", "root": str(tmp_path)}, seed=0)
    assert d.shape == (3, 32, 32) and len(d) == 100
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as f:
        raw = pickle.load(f)["data"][0].reshape(3, 32, 32)
    assert torch.equal(d.images[0], torch.from_numpy(raw))  # row-major RGB planes
    assert len(build_dataset({"name": "cifar10", "root": str(tmp_path), "split": "test"})) == 20


def test_stl10_binary(tmp_path):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (3, 3, 96, 96), dtype=np.uint8)  # N, C, H, W
    img.transpose(0, 1, 3, 2).tofile(folder / "unlabeled_X.bin")  # the file stores columns first
    img[:2].transpose(0, 1, 3, 2).tofile(folder / "train_X.bin")
    np.array([1, 10], dtype=np.uint8).tofile(folder / "train_y.bin")
    d = build_dataset({"name": "stl10", "root": str(tmp_path)}, seed=0)
    assert d.shape == (3, 96, 96) and torch.equal(d.images, torch.from_numpy(img))
    t = build_dataset({"name": "stl10", "root": str(tmp_path), "split": "train", "size": 32}, seed=0)
    assert t.shape == (3, 32, 32) and t.labels.tolist() == [0, 9]


def test_missing_cifar_is_one_line(tmp_path):
    with pytest.raises(DivganError, match="data_batch_1"):
        build_dataset({"name": "cifar10", "root": str(tmp_path), "download": False})


def test_trainer_resumes_image_order_exactly():
    a = build_dataset({"name": "digits"}, seed=5)
    a.sample(1000)
    state = a.state_dict()
    expected = a.sample(1000)
    b = build_dataset({"name": "digits"}, seed=5)
    b.load_state_dict(state)
    assert torch.equal(b.sample(1000), expected)


@pytest.mark.parametrize("root_exists", [True, False])
def test_a_failed_mnist_download_leaves_nothing_behind(tmp_path, monkeypatch, root_exists):
    """Without network torchvision creates ROOT/MNIST/raw (and part of a file) before failing: removed."""
    from divgan.data import images

    class Offline:
        resources = []

        def __init__(self, root, train=True, download=False):
            raw = Path(root) / "MNIST" / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            (raw / "train-images-idx3-ubyte.gz.part").write_bytes(b"\x1f")
            raise OSError("no network")

    monkeypatch.setattr(images, "tv_dataset", lambda name: Offline)
    root = tmp_path / "data"
    if root_exists:
        root.mkdir()
        (root / "mine.txt").write_text("the user's")
    with pytest.raises(DivganError, match="mnist not found"):
        build_dataset({"name": "mnist", "root": str(root), "download": True})
    if root_exists:
        assert sorted(p.name for p in root.iterdir()) == ["mine.txt"]
    else:
        assert not root.exists()


def test_a_failed_cifar_download_removes_the_root_it_created(tmp_path, monkeypatch):
    from divgan.data import images

    def offline(root, download=False):
        (Path(root) / "cifar-10-batches-py").mkdir(parents=True)
        raise OSError("no network")

    monkeypatch.setattr(images, "tv_dataset", lambda name: offline)
    with pytest.raises(DivganError, match="cifar10 not found"):
        build_dataset({"name": "cifar10", "root": str(tmp_path / "new"), "download": True})
    assert not (tmp_path / "new").exists()
