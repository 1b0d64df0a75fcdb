"""Labels through the data layer: every labelled dataset gives (x, y) with y the label *of that image*,
through sharding, epochs (reshuffling) and exact resume; toy mixtures label by component."""
import numpy as np
import pytest
import torch
from PIL import Image

from divgan.data import build_dataset
from divgan.data.images import InMemoryImages, to_float


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))


def _pixel_coded(n=50, k=5):
    """Images whose every pixel is 40·label + (index mod 7): the label is readable from the pixels."""
    labels = torch.arange(n) % k
    images = (labels * 40 + torch.arange(n) % 7).to(torch.uint8)[:, None, None, None].expand(n, 1, 4, 4).clone()
    return images, labels


def _decoded_label(x: torch.Tensor) -> torch.Tensor:
    v = ((x[:, 0, 0, 0] + 1) * 127.5).round().long()
    return v // 40


def _draw(ds, batches, n):
    xs, ys = zip(*(ds.sample(n, None, labels=True) for _ in range(batches)))
    return torch.cat(xs), torch.cat(ys)


def test_labels_follow_images_through_shards_epochs_and_resume():
    images, labels = _pixel_coded()
    for rank in (0, 1):
        ds = InMemoryImages(images, labels, rank=rank, world_size=2, seed=3)
        assert ds.num_classes == 5
        x, y = _draw(ds, 9, 7)  # 63 draws from a 25-image shard: three epochs, each reshuffled
        assert torch.equal(_decoded_label(x), y)
        state = ds.state_dict()
        more_x, more_y = _draw(ds, 3, 7)
        resumed = InMemoryImages(images, labels, rank=rank, world_size=2, seed=3)
        resumed.load_state_dict(state)
        rx, ry = _draw(resumed, 3, 7)
        assert torch.equal(rx, more_x) and torch.equal(ry, more_y)
        assert torch.equal(_decoded_label(rx), ry)
    # the two shards are disjoint: their first epochs together are the dataset, each image once
    firsts = [InMemoryImages(images, labels, rank=r, world_size=2, seed=3).sample(25, None, labels=True) for r in (0, 1)]
    seen = torch.cat([((x[:, 0, 0, 0] + 1) * 127.5).round() for x, _ in firsts])
    assert sorted(seen.tolist()) == sorted(images[:, 0, 0, 0].double().tolist())


def test_permuted_labels_are_caught():
    """The check above fails when the labels are not the images' own (it is not true by construction)."""
    images, labels = _pixel_coded()
    ds = InMemoryImages(images, labels[torch.randperm(50, generator=torch.Generator().manual_seed(0))], seed=3)
    x, y = _draw(ds, 2, 10)
    assert not torch.equal(_decoded_label(x), y)


def test_digits_labels_match_the_stored_images():
    from sklearn.datasets import load_digits

    d = load_digits()
    by_image: dict[bytes, set[int]] = {}
    for img, t in zip(np.round(d.images * (255.0 / 16.0)).astype(np.uint8), d.target):
        by_image.setdefault(img.tobytes(), set()).add(int(t))
    ds = build_dataset({"name": "digits"}, rank=1, world_size=2, seed=5)
    assert ds.num_classes == 10
    ds.sample(600)  # into the second epoch
    state = ds.state_dict()
    resumed = build_dataset({"name": "digits"}, rank=1, world_size=2, seed=5)
    resumed.load_state_dict(state)
    x, y = resumed.sample(400, None, labels=True)
    raw = ((x[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy()
    assert all(int(t) in by_image[img.tobytes()] for img, t in zip(raw, y))


@pytest.mark.parametrize("preload", ["on", "off"])
def test_folder_labels_are_the_subfolders(tmp_path, preload):
    for c, name in enumerate(("ant", "bee", "cow")):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(np.full((8, 8), 40 * c + i, np.uint8)).save(tmp_path / "imgs" / name / f"{i}.png")
    section = {"name": "folder", "root": str(tmp_path / "imgs"), "workers": 0, "channels": 1, "preload": preload}
    ds = build_dataset(section, seed=1)
    assert ds.num_classes == 3
    x, y = ds.sample(5, None, labels=True)
    state = ds.state_dict()
    x, y = ds.sample(9, None, labels=True)  # crosses into the next epoch
    assert torch.equal(_decoded_label(x), y)
    resumed = build_dataset(section, seed=1)
    resumed.load_state_dict(state)
    rx, ry = resumed.sample(9, None, labels=True)
    assert torch.equal(rx, x) and torch.equal(ry, y)


def test_unlabelled_folder_has_no_classes(tmp_path):
    (tmp_path / "imgs").mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8), i, np.uint8)).save(tmp_path / "imgs" / f"{i}.png")
    ds = build_dataset({"name": "folder", "root": str(tmp_path / "imgs"), "workers": 0, "channels": 1}, seed=0)
    assert ds.num_classes is None


def test_toy_labels_are_components():
    ds = build_dataset({"name": "ring", "modes": 8, "radius": 2.0, "std": 0.01})
    assert ds.num_classes == 8
    x, y = ds.sample(500, torch.Generator().manual_seed(0), labels=True)
    nearest = torch.cdist(x.double(), ds.means).argmin(1)
    assert torch.equal(nearest, y)
    # labels=True draws the same points as labels=False for the same generator
    assert torch.equal(ds.sample(500, torch.Generator().manual_seed(0)), x)


def test_in_memory_float_path_matches():
    images, labels = _pixel_coded(10, 2)
    ds = InMemoryImages(images, labels, seed=0)
    order = ds.order.shard().clone()
    x, y = ds.sample(10, None, labels=True)
    assert torch.equal(x, to_float(images[order])) and torch.equal(y, labels[order])
