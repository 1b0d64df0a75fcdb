"""The evaluation commands end to end on a tiny digits DCGAN run: evaluate, interpolate, invert, neighbours."""
from __future__ import annotations

import json

import pytest
from evaluator_helpers import cache_root, image_run, trained_evaluator
from PIL import Image

from divgan.cli import main


@pytest.fixture
def run(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))
    trained_evaluator(tmp_path_factory, "digits")
    return image_run(tmp_path_factory)


def test_evaluate_prints_and_saves_metrics_with_references(run, capsys):
    assert main(["evaluate", str(run), "--n", "700"]) == 0
    out = json.loads(capsys.readouterr().out)
    m, ref = out["metrics"], out["reference"]
    for key in ("fid", "kid", "precision", "recall", "classifier_score", "classes_covered", "parzen_ll", "parzen_se"):
        assert key in m and key in ref, key
    assert ref["fid"] < m["fid"] and ref["classes_covered"] == 10 and ref["classifier_score"] > 5
    assert ref["parzen_ll"] > m["parzen_ll"]
    assert json.loads((run / "evaluation.json").read_text())["metrics"] == m


def test_evaluate_rejects_unknown_metrics(run, capsys):
    assert main(["evaluate", str(run), "--metrics", "nope"]) == 2
    assert "unknown metric 'nope'" in capsys.readouterr().err


def test_interpolate_writes_grid_and_gif(run, tmp_path, capsys):
    png, gif = tmp_path / "walk.png", tmp_path / "walk.gif"
    assert main(["interpolate", str(run), "--rows", "2", "--steps", "4", "--keys", "2", "--out", str(png), "--gif", str(gif)]) == 0
    k = -(-512 // (4 * 18 + 2))  # 16×16 digits, padding 2, enlarged ×7 to at least 512 px wide
    assert Image.open(png).size == (k * (4 * 18 + 2), k * (2 * 18 + 2))
    assert Image.open(gif).n_frames == 2 * 3


def test_invert_and_neighbours_report_json_and_figures(run, tmp_path, capsys):
    assert main(["invert", str(run), "--n", "3", "--steps", "5", "--starts", "2", "--out", str(tmp_path / "inv.png")]) == 0
    inv = json.loads(capsys.readouterr().out)
    assert 0 < inv["mse_mean"] <= inv["mse_first_start"] and (tmp_path / "inv.png").is_file()
    assert main(["neighbours", str(run), "--n", "4", "--stats-n", "50", "--out", str(tmp_path / "nn.png")]) == 0
    nn = json.loads(capsys.readouterr().out)
    assert set(nn["pixels"]) >= {"ratio", "sample_mean", "test_mean"} and "features" in nn
    assert (tmp_path / "nn.png").is_file()


def test_analysis_commands_need_an_image_run(tiny_run, capsys):
    assert main(["interpolate", str(tiny_run)]) == 2
    assert "needs an image run" in capsys.readouterr().err


def test_evaluate_on_a_toy_run_gives_mode_metrics(tiny_run, capsys, tmp_path):
    import shutil

    run = tmp_path / "toy"
    shutil.copytree(tiny_run, run)  # evaluate writes evaluation.json: keep the shared run untouched
    assert main(["evaluate", str(run), "--n", "500"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference"]["modes"] == 8 and "modes" in out["metrics"]
