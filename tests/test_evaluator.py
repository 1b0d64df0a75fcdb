"""divgan's evaluators: training, caching, loading, classification, Stacked-MNIST channels, the CLI."""
from __future__ import annotations

import json

import pytest
import torch
from evaluator_helpers import cache_root, one_thread, trained_evaluator

from divgan.cli import main
from divgan.errors import DivganError
from divgan.evaluator import accuracy, evaluator_for, labelled_images, load_evaluator


@pytest.fixture
def cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))


def test_digits_evaluator_trains_and_classifies(tmp_path_factory, cache):
    path = trained_evaluator(tmp_path_factory, "digits")
    ev = load_evaluator("digits")
    assert ev.info["dataset"] == "digits" and path.is_file()
    x, y = labelled_images("digits", "test")
    with one_thread():
        assert accuracy(ev, x, y) > 0.9
        assert ev.info["test_accuracy"] == pytest.approx(accuracy(ev, x, y))
        feats = ev.features(x)
        # features are scaled to unit root-mean-square on the training images
        assert feats.shape == (len(x), 128) and 0.5 < float(feats.pow(2).mean().sqrt()) < 2
        # floats in [-1, 1] and uint8 give the same answer; other sizes are resized
        assert torch.equal(ev.predict(x), ev.predict(x.float() / 127.5 - 1))
        big = torch.nn.functional.interpolate(x.float() / 127.5 - 1, size=(16, 16), mode="nearest")
        assert (ev.predict(big) == y).float().mean() > 0.8


def test_train_and_test_splits_of_digits_are_disjoint():
    a, _ = labelled_images("digits", "train")
    b, _ = labelled_images("digits", "test")
    assert len(a) + len(b) == 1797
    flat_a = {bytes(r) for r in a.flatten(1).numpy()}
    assert sum(bytes(r) in flat_a for r in b.flatten(1).numpy()) < 10  # only accidental duplicates


def test_predict_channels_gives_one_digit_per_channel(tmp_path_factory, cache):
    trained_evaluator(tmp_path_factory, "digits")
    ev = load_evaluator("digits")
    x, y = labelled_images("digits", "test")
    stacked = torch.cat([x[:50], x[50:100], x[100:150]], 1)
    with one_thread():
        got = ev.predict_channels(stacked)
    want = torch.stack([y[:50], y[50:100], y[100:150]], 1)
    assert got.shape == (50, 3) and (got == want).float().mean() > 0.9


def test_missing_and_damaged_evaluators_are_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path))
    with pytest.raises(DivganError, match="divgan evaluator train fashion"):
        load_evaluator("fashion_mnist")
    bad = tmp_path / "evaluators" / "mnist.pt"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DivganError, match="damaged"):
        load_evaluator("mnist")
    with pytest.raises(DivganError, match="allowed"):
        load_evaluator("cifar10")
    assert evaluator_for("stacked_mnist") == "mnist" and evaluator_for("cifar10") is None


def test_cli_trains_and_shows(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path))
    with one_thread():
        assert main(["evaluator", "train", "digits", "--epochs", "1", "--limit", "200"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["train_images"] == 200 and (tmp_path / "evaluators" / "digits.pt").is_file()
    assert main(["evaluator", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["digits"]["test_accuracy"] == pytest.approx(info["test_accuracy"]) and "missing" in shown["mnist"]
    assert main(["evaluator", "train", "mnist", "--data-root", str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err
