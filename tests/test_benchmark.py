"""``divgan benchmark``: every protocol runs from the command on tiny budgets (2 seeds, a few steps)
and writes every output file; an interrupted benchmark resumes without redoing finished seeds; a bad
protocol or config name is one line and exit code 2."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from divgan.cli import main

REPO = Path(__file__).resolve().parents[1]
# the shared MNIST files: beside the main checkout, or two levels up from a worktree
DATA = next((p for p in (REPO.parent / "shared" / "data", REPO.parents[1] / "shared" / "data") if (p / "MNIST" / "raw").is_dir()), None)
TOY = ["train.steps=20", "train.batch_size=32", "eval.every=10", "eval.n_samples=100", "train.checkpoint_every=10",
       "generator.hidden=[16,16]", "discriminator.hidden=[16,16]", "eval.metrics=[modes]"]
IMAGES = ["generator.width=8", "discriminator.width=8", "generator.latent_dim=16", "train.batch_size=16", "data.limit=256",
          "data.download=false", "train.checkpoint_every=2", "eval.every=1000", "eval.n_samples=16", "eval.grid_size=4",
          "eval.metrics=[]", "train.device=cpu"]
FILES = ("results.csv", "results.md", "results.html", "results.png", "results.json")


def bench(*argv) -> int:
    return main(["benchmark", *argv, "--no-progress", "--jobs", "2"])


def sets(overrides):
    return [x for o in overrides for x in ("--set", o)]


def csv_rows(out: Path) -> list[dict]:
    with open(out / "results.csv") as f:
        return list(csv.DictReader(f))


def assert_outputs(out: Path, row: str, seeds: int = 2):
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    rows = csv_rows(out)
    mine = [r for r in rows if r["source"] == "divgan"]
    assert mine and all(r["row"] == row and int(r["seeds"]) == seeds for r in mine)
    page = (out / "results.html").read_text()
    assert "data:image/png;base64," in page and "torch" in page and "divgan train" in page
    return rows


def test_grid_protocol_writes_every_file_and_matches_the_runs(tmp_path, capsys):
    protocol, config, published = "grid", "grid-vanilla", "PacGAN4"  # ring: the resume test below
    out = tmp_path / "b"
    assert bench(protocol, config, "--seeds", "2", "--out", str(out), *sets(TOY)) == 0
    rows = assert_outputs(out, config)
    assert any(r["row"] == published and r["source"].startswith("Lin et al. 2018") for r in rows)
    # the table's mean is the mean of the seeds' own scores, each on 2,500 samples
    scores = [json.loads((out / config / f"seed{k}" / "benchmark.json").read_text()) for k in range(2)]
    assert all(s["n_samples"] == 2500 for s in scores)
    mine = next(r for r in rows if r["source"] == "divgan")
    assert float(mine["high_quality"]) == pytest.approx(sum(s["values"]["high_quality"] for s in scores) / 2)
    assert published in capsys.readouterr().out


def test_interrupted_ring_benchmark_resumes_without_redoing_finished_seeds(tmp_path, capsys):
    out = tmp_path / "b"
    args = ["ring", "ring", "--out", str(out), *sets(TOY)]
    assert bench(*args, "--seeds", "1") == 0
    seed0 = out / "ring" / "seed0"
    stamps = {p: p.stat().st_mtime_ns for p in (seed0 / "summary.json", seed0 / "benchmark.json")}
    # seed 1 stopped halfway: a checkpoint at step 10, no summary (what Ctrl-C or a killed job leaves)
    assert main(["train", "ring", "--out", str(out / "ring" / "seed1"), *sets(TOY), "--set", "seed=1",
                 "--set", "train.progress=false"]) == 0
    partial = out / "ring" / "seed1"
    (partial / "summary.json").unlink()
    (partial / "checkpoints" / "step_00000020.pt").unlink()
    assert bench(*args, "--seeds", "2") == 0
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # seed 0: neither retrained nor rescored
    commands = json.loads((out / "results.json").read_text())["commands"]
    assert sum("divgan train" in c for c in commands) == 1 and any("--resume" in c and "seed1" in c for c in commands)
    assert json.loads((partial / "summary.json").read_text())["steps"] == 20
    rows = assert_outputs(out, "ring")
    assert any(r["row"] == "PacGAN2" and r["source"].startswith("Lin et al. 2018") for r in rows)
    assert "PacGAN2" in capsys.readouterr().out


def test_a_run_with_infogan_codes_is_scored_on_the_samples_divgan_sample_draws(tmp_path, monkeypatch):
    """z through the generator's own prior: one-hot code blocks, not N(0, I) over the whole of z."""
    import torch

    from divgan.api import load_trainer, sample_from
    from divgan.metrics import METRICS

    scored, modes = [], METRICS["modes"]
    monkeypatch.setitem(METRICS._items, "modes", lambda ctx, x: scored.append(x) or modes(ctx, x))
    out = tmp_path / "b"
    assert bench("ring", "ring", "--seeds", "1", "--out", str(out), *sets(TOY),
                 "--set", "generator.codes={categorical: [8], weight: 1}") == 0
    expected, _ = sample_from(load_trainer(out / "ring" / "seed0"), 2500, seed=0)
    assert len(scored) == 1 and torch.equal(scored[0], expected)


@pytest.mark.parametrize("argv", [["nope"], ["ring", "nope"], ["ring", "mnist-dcgan"], ["ring", "--minutes", "1"]])
def test_bad_protocol_or_config_is_one_line_and_exit_2(tmp_path, argv, capsys):
    assert bench(*argv, "--out", str(tmp_path / "b")) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("divgan: error:") and len(err.splitlines()) == 1
    assert not (tmp_path / "b").exists()


@pytest.fixture
def mnist_env(tmp_path_factory, monkeypatch):
    """The shared MNIST files as $DIVGAN_DATA (read in place) and a session's small MNIST evaluator."""
    if DATA is None:
        pytest.skip("needs the MNIST files")
    from evaluator_helpers import cache_root, trained_evaluator

    trained_evaluator(tmp_path_factory, "mnist", DATA)
    monkeypatch.setenv("DIVGAN_CACHE", str(cache_root(tmp_path_factory)))
    monkeypatch.setenv("DIVGAN_DATA", str(DATA))


@pytest.mark.parametrize("protocol,config,extra", [
    ("stacked-mnist", "stacked-mnist-dcgan", ["train.steps=2"]),
    ("parzen", "mnist-dcgan", ["train.steps=2"]),
    ("mnist-minutes", "mnist-dcgan", []),
])
def test_mnist_protocols_write_every_file(tmp_path, mnist_env, protocol, config, extra, capsys):
    out = tmp_path / "b"
    minutes = ["--minutes", "0.004"] if protocol == "mnist-minutes" else []  # several budgets: test_plan_*
    assert bench(protocol, config, "--seeds", "2", "--samples", "300", "--out", str(out), *minutes, *sets(IMAGES + extra)) == 0
    rows = assert_outputs(out, config)
    text = capsys.readouterr().out
    if protocol == "stacked-mnist":
        assert "999/(2N)" in text and f"{999 / 600:.4f}" in text and any(r["row"] == "PacDCGAN2" for r in rows)
    if protocol == "parzen":
        assert any(r["row"].startswith("GAN") and float(r["parzen_ll"]) == 225 for r in rows)
    if protocol == "mnist-minutes":
        mine = [r for r in rows if r["source"] == "divgan"]
        assert [float(r["minutes"]) for r in mine] == [0.004] and all(r["fid"] for r in mine)
        summary = json.loads((out / config / "0.004min" / "seed1" / "summary.json").read_text())
        assert 0.24 <= summary["seconds"] and summary["steps"] < 10**9  # stopped by the budget, not by steps


def test_plan_gives_each_budget_and_seed_its_own_run_with_the_time_budget(tmp_path):
    from divgan.benchmark import PROTOCOLS
    from divgan.benchmark.runner import plan

    jobs = plan(PROTOCOLS["mnist-minutes"](), ["mnist-dcgan", "x/my.yaml"], 2, [1, 2.5], tmp_path, ["train.batch_size=64"], 100)
    assert [(j.label, j.minutes, j.seed) for j in jobs][:4] == [("mnist-dcgan", 1, 0), ("mnist-dcgan", 1, 1),
                                                                ("mnist-dcgan", 2.5, 0), ("mnist-dcgan", 2.5, 1)]
    assert jobs[-1].path == tmp_path / "my" / "2.5min" / "seed1"
    # the budget stops the run (not train.steps); the user's --set comes last, so it wins
    assert jobs[2].overrides[0] == "train.minutes=2.5" and jobs[2].overrides[-1] == "train.batch_size=64"
    assert all(j.action == "train" for j in jobs)
    assert [j.minutes for j in plan(PROTOCOLS["ring"](), ["ring"], 3, None, tmp_path, [], 100)] == [None] * 3
