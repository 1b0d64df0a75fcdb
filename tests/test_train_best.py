"""Best-checkpoint tracking on a chosen metric and early stopping (eval.best_metric / best_mode /
early_stop_patience): divgan's answer to "unclear stopping criteria"."""
from __future__ import annotations

import json

import pytest

import divgan
from divgan.api import load_trainer
from divgan.metrics import METRICS, metric

SCRIPT = [5.0, 3.0, 4.0, 4.5, 6.0]

if "scripted_test" not in METRICS:
    @metric("scripted_test")
    def scripted_test(trainer, samples):
        """A metric with a known sequence of values: SCRIPT[k] at the k-th evaluation (step 10k+10)."""
        return {"score": SCRIPT[trainer.step // 10 - 1]}

BASE = ["train.steps=50", "train.batch_size=32", "eval.every=10", "eval.n_samples=50", "train.progress=false",
        "train.checkpoint_every=10", "generator.hidden=[16]", "discriminator.hidden=[16]", "eval.metrics=[scripted_test]",
        "eval.best_metric=score"]


@pytest.mark.parametrize("mode,best_step,best_value", [("min", 20, 3.0), ("max", 50, 6.0)])
def test_best_checkpoint_follows_the_metric(tmp_path, mode, best_step, best_value):
    run = divgan.train("ring-vanilla", out=tmp_path / "r", overrides=BASE + [f"eval.best_mode={mode}"], log=lambda m: None)
    assert run.summary["best"] == {"metric": "score", "value": best_value, "step": best_step}
    assert load_trainer(run.path, "best").step == best_step
    assert run.summary["steps"] == 50 and not run.summary["stopped_early"]


def test_early_stopping_after_patience_evaluations_without_improvement(tmp_path):
    run = divgan.train("ring-vanilla", out=tmp_path / "r", overrides=BASE + ["eval.best_mode=min", "eval.early_stop_patience=2"],
                       log=lambda m: None)
    # best at step 20 (3.0); steps 30 and 40 do not improve -> stop at step 40
    assert run.summary["stopped_early"] and run.summary["steps"] == 40
    assert load_trainer(run.path, "best").step == 20 and load_trainer(run.path).step == 40
    assert json.loads((run.path / "summary.json").read_text())["best"]["step"] == 20
