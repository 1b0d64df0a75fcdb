"""``train.tensorboard: true`` writes every metrics.jsonl row to RUN_DIR/tensorboard as scalars."""
from __future__ import annotations

import pytest
from report_helpers import small_ring_run

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def scalars(logdir) -> dict[str, list[tuple[int, float]]]:
    acc = EventAccumulator(str(logdir))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_mirrors_metrics_jsonl(tmp_path):
    run = small_ring_run(tmp_path / "run", 20, "train.tensorboard=true")
    rows = run.driver.run.read_metrics()
    tb = scalars(run.path / "tensorboard")
    assert [s for s, _ in tb["loss/d_loss"]] == [10, 20]
    for r in rows:
        assert dict(tb["loss/g_loss"])[r["step"]] == pytest.approx(r["g_loss"], rel=1e-6)
        assert dict(tb["metric/modes"])[r["step"]] == r["modes"]
    assert "tensorboard --logdir" in (run.path / "report.html").read_text()


def test_tensorboard_off_by_default(tiny_run):
    assert "tensorboard: false" in (tiny_run / "config.yaml").read_text()  # the default, not set by the run
    assert not (tiny_run / "tensorboard").exists()
