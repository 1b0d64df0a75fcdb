"""The run driver (``divgan.run``): callbacks are the only way out of a training run.

No run directory and no callbacks: no file is written. Figures and logging are callbacks that draw
from their own random numbers, so a run is bit-identical with and without them. A callback sees every
step and every evaluation row, and can pause or stop the run."""
from __future__ import annotations

import os
import threading
import time

import torch

import divgan
from divgan.config import load_config
from divgan.run import Callback, Driver
from divgan.train.trainer import Trainer

torch.set_num_threads(1)
TINY = ["generator.hidden=[16,16]", "discriminator.hidden=[16,16]", "train.batch_size=32", "train.progress=false",
        "train.device=cpu", "eval.n_samples=200", "eval.every=10", "train.checkpoint_every=10", "train.steps=20"]


def _files(root) -> set[str]:
    return {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs}


def test_no_run_dir_and_no_callbacks_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DIVGAN_CACHE", str(tmp_path / "cache"))
    run = divgan.train("ring-vanilla", overrides=TINY, save=False, callbacks=[], log=lambda m: None)
    assert run.path is None and run.trainer.step == 20 and len(run.driver.metrics_log) == 2
    assert _files(tmp_path) == set()


def test_same_seed_same_weights_with_and_without_the_figure_callbacks(tmp_path):
    """The default callbacks (metrics.jsonl, density figure, report page) against none at all."""
    with_figures = divgan.train("ring-vanilla", out=tmp_path / "a", overrides=TINY, log=lambda m: None)
    without = divgan.train("ring-vanilla", overrides=TINY, save=False, callbacks=[], log=lambda m: None)
    assert (tmp_path / "a" / "samples" / "density.png").exists() and (tmp_path / "a" / "report.html").exists()
    for key in ("G", "D"):
        a, b = getattr(with_figures.trainer, key).state_dict(), getattr(without.trainer, key).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert with_figures.driver.metrics_log == without.driver.metrics_log


class Recorder(Callback):
    def __init__(self, stop_at=None):
        self.steps, self.rows, self.finished, self.stop_at = [], [], None, stop_at

    def on_step(self, driver):
        self.steps.append(driver.core.step)
        if driver.core.step == self.stop_at:
            driver.request_stop()

    def on_evaluate(self, driver, row, samples):
        self.rows.append((row["step"], len(samples)))

    def on_finish(self, driver, summary):
        self.finished = summary


def test_a_callback_sees_each_step_and_row_and_can_stop_the_run():
    rec = Recorder()
    divgan.train("ring-vanilla", overrides=TINY, save=False, callbacks=[rec], log=lambda m: None)
    assert rec.steps == list(range(1, 21)) and rec.rows == [(10, 200), (20, 200)] and rec.finished["steps"] == 20
    rec = Recorder(stop_at=7)
    run = divgan.train("ring-vanilla", overrides=TINY, save=False, callbacks=[rec], log=lambda m: None)
    assert run.trainer.step == 8 and rec.steps[-1] == 8 and run.summary["stop_requested"]  # after the next step


def test_paused_driver_waits_until_resumed():
    core = Trainer(load_config("ring-vanilla", TINY), log=lambda m: None)
    driver = Driver(core)
    driver.paused = True
    thread = threading.Thread(target=driver.fit)
    thread.start()
    time.sleep(0.3)
    assert core.step == 0 and thread.is_alive()
    driver.paused = False
    thread.join(60)
    assert core.step == 20
