"""report.html: written during and after training, regenerable by ``divgan report``."""
from __future__ import annotations

import json
import re

import pytest
from report_helpers import small_ring_run

from divgan.cli import main
from divgan.viz import report


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return small_ring_run(tmp_path_factory.mktemp("r") / "run", 30)


def images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page)


def test_report_is_self_contained_with_metrics_reference_curves_and_links(run):
    page = (run.path / "report.html").read_text()
    assert "finished: 30 steps" in page
    assert "Metrics at step 30" in page and "real data (reference)" in page
    # the reference column: the ring's real samples cover all 8 modes
    ref = json.loads((run.path / "reference.json").read_text())
    assert ref["modes"] == 8 and ref["high_quality"] > 95 and ref["kl_uniform"] < 0.05
    assert "8 / 8" in page
    # one SVG chart for the losses and one per metric, with the real-data line
    metrics = [k for k in ref if k != "modes_total"]
    assert page.count("<svg") == 1 + len(metrics) and "stroke-dasharray" in page
    # every image is embedded: no network, no path that breaks when the folder moves
    srcs = images(page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert 'href="checkpoints/step_00000030.pt"' in page
    assert "<pre>" in page and "name: ring" in page
    assert "http://" not in page and "https://" not in page


def test_report_is_written_at_each_evaluation_and_in_progress(tmp_path, monkeypatch, capsys):
    calls = []
    real = report.write_report
    monkeypatch.setattr(report, "write_report", lambda *a, **k: calls.append(k.get("finished", False)) or real(*a, **k))
    run = small_ring_run(tmp_path / "run", 20)
    assert calls == [False, False, True]  # two evaluations, then the end of training
    monkeypatch.undo()
    # the same run, as if still training (no summary, no reference yet): the page says so
    run.path.joinpath("summary.json").unlink()
    run.path.joinpath("reference.json").unlink()
    report.write_report(run.path)
    page = (run.path / "report.html").read_text()
    assert "in progress: evaluated at step 20 of 20" in page
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "run directory not found" in capsys.readouterr().err


def test_divgan_report_regenerates_from_the_run_directory(run, capsys):
    (run.path / "report.html").unlink()
    (run.path / "samples" / "step_00000010.png").write_bytes((run.path / "samples" / "density.png").read_bytes())
    (run.path / "samples" / "latent_walk.png").write_bytes((run.path / "samples" / "density.png").read_bytes())
    (run.path / "evaluation.json").write_text(json.dumps({"step": 30, "n_samples": 500, "metrics": {"fid_digits": 12.5},
                                                          "reference": {"fid_digits": 0.75}}))
    assert main(["report", str(run.path)]) == 0
    page = (run.path / "report.html").read_text()
    assert "Evaluation (<code>divgan evaluate</code>, step 30, 500 samples)" in page
    assert "<td>fid_digits</td><td>12.5</td><td>0.75</td>" in page
    assert str(run.path / "report.html") in capsys.readouterr().out
    assert "finished: 30 steps" in page  # from summary.json
    assert "Samples over training" in page and "step 10" in page
    assert "Latent walks" in page and "latent walk" in page
    assert "8 / 8" in page  # reference.json is reused


def test_metric_series_skips_non_numeric_and_bookkeeping():
    rows = [{"step": 10, "modes": 3, "modes_total": 8, "note": "x", "d_loss": None}, {"step": 20, "modes": 5, "modes_total": 8}]
    assert report.metric_series(rows) == {"modes": [(10, 3.0), (20, 5.0)]}
