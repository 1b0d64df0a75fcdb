"""Image-file datasets on small files written in the real formats: a folder of PNGs (preloaded and
streamed through DataLoader workers, with exact resume) and CelebA's layout (JPEGs + partition file)."""
import numpy as np
import pytest
import torch
from PIL import Image

from divgan.data import build_dataset
from divgan.errors import DivganError


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def png_folder(tmp_path):
    rng = np.random.default_rng(0)
    pixels = {}
    for cls in ("cats", "dogs"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(6):
            arr = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
            path = tmp_path / "imgs" / cls / f"{i}.png"
            Image.fromarray(arr).save(path)
            pixels[path.name, cls] = arr
    return tmp_path / "imgs", pixels


def test_folder_preloaded(png_folder):
    root, pixels = png_folder
    d = build_dataset({"name": "folder", "root": str(root), "workers": 0}, seed=0)
    assert d.kind == "image" and d.shape == (3, 12, 12) and len(d) == 12
    assert torch.equal(d.images[0], torch.from_numpy(pixels["0.png", "cats"]).permute(2, 0, 1))  # lossless PNG
    assert d.labels.tolist() == [0] * 6 + [1] * 6  # subfolder = class
    x = d.sample(12)
    assert x.shape == (12, 3, 12, 12) and x.min() >= -1 and x.max() <= 1
    small = build_dataset({"name": "folder", "root": str(root), "workers": 0, "size": 8, "channels": 1}, seed=0)
    assert small.shape == (1, 8, 8)


def test_folder_streaming_matches_preloaded_and_resumes(png_folder):
    root, _ = png_folder
    pre = build_dataset({"name": "folder", "root": str(root), "workers": 0}, seed=1)
    stream = build_dataset({"name": "folder", "root": str(root), "workers": 1, "preload": "off"}, seed=1)
    assert type(stream).__name__ == "StreamingImages" and stream.shape == pre.shape
    for n in (5, 5, 7):  # crosses an epoch; a batch size change restarts the loader in place
        assert torch.equal(stream.sample(n), pre.sample(n))
    state = stream.state_dict()
    expected = stream.sample(9)
    resumed = build_dataset({"name": "folder", "root": str(root), "workers": 0, "preload": "off"}, seed=1)
    resumed.load_state_dict(state)
    assert torch.equal(resumed.sample(9), expected)


def test_folder_errors(tmp_path):
    with pytest.raises(DivganError, match="does not exist"):
        build_dataset({"name": "folder", "root": str(tmp_path / "nope")})
    (tmp_path / "empty").mkdir()
    with pytest.raises(DivganError, match="no images"):
        build_dataset({"name": "folder", "root": str(tmp_path / "empty")})


def test_celeba_layout(tmp_path):
    folder = tmp_path / "celeba" / "img_align_celeba"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(1, 7):
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(folder / f"{i:06d}.jpg")
        lines.append(f"{i:06d}.jpg {0 if i <= 4 else 2}")
    (tmp_path / "celeba" / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    d = build_dataset({"name": "celeba", "root": str(tmp_path), "workers": 0}, seed=0)
    assert d.shape == (3, 64, 64) and len(d) == 6  # crop 108, resize 64
    assert len(build_dataset({"name": "celeba", "root": str(tmp_path), "split": "train", "workers": 0})) == 4
    assert len(build_dataset({"name": "celeba", "root": str(tmp_path), "split": "test", "workers": 0, "size": 32})) == 2


def test_celeba_missing_is_one_line(tmp_path):
    with pytest.raises(DivganError, match="img_align_celeba"):
        build_dataset({"name": "celeba", "root": str(tmp_path), "download": False})
