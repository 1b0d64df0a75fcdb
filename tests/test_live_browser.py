"""The live page in headless Chromium, end to end: a toy run's page updates (step counter and figure
change between two screenshots), pause holds the step, resume continues, stop ends the run with a
final checkpoint from which it resumes exactly. Chromium as in test_report_browser (installed if
missing; skipped, saying why, only when it cannot be)."""
from __future__ import annotations

import json
import time

import pytest
from live_helpers import LivePage, LiveRun
from reliability_helpers import assert_same_run, latest_state, step_files

import divgan

SMALL = ["generator.hidden=[32,32]", "discriminator.hidden=[32,32]", "train.batch_size=64", "train.threads=1",
         "train.progress=false", "eval.every=100000", "train.checkpoint_every=100000", "train.device=cpu"]


def test_live_page_updates_pauses_resumes_and_stops(browser, tmp_path):
    out = tmp_path / "run"
    run = LiveRun("ring-vanilla", "--out", str(out), *[a for s in [*SMALL, "train.steps=1000000"] for a in ("--set", s)])
    try:
        page = LivePage(browser, run.url)
        page.wait_for(lambda: page.step() > 0 and page.text("status") == "running", what="first state")
        drawn = lambda: page.js("document.body.dataset.figureStep")  # noqa: E731  (set after each drawing)
        page.wait_for(drawn, what="toy figure")
        step1, fig1, shot1 = page.step(), drawn(), page.screenshot("density")
        page.wait_for(lambda: drawn() != fig1, what="the next figure")
        time.sleep(0.2)
        step2, shot2 = page.step(), page.screenshot("density")
        assert step2 > step1 and shot1 != shot2  # the counter and the figure move while training

        page.click("pause")
        page.wait_for(lambda: page.text("status") == "paused", what="pause")
        held = page.step()
        time.sleep(1.5)
        assert page.step() == held
        assert json.loads((out / "live" / "state.json").read_text())["step"] == held

        page.click("resume")
        page.wait_for(lambda: page.text("status") == "running" and page.step() > held, what="resume")
        page.click("stop")
        assert run.wait() == 130, "".join(run.err)  # as SIGINT: 128 + 2
        page.close()
    finally:
        run.kill()
    assert "Traceback" not in "".join(run.err)
    assert f"divgan train --resume {out}" in "".join(run.out)
    stopped = step_files(out)[0]
    assert stopped > held and latest_state(out)["step"] == stopped
    assert json.loads((out / "live" / "state.json").read_text())["status"] == "stopped"
    # the stopped run continues exactly: the same state as an uninterrupted run of the same length
    divgan.resume(out, [f"train.steps={stopped + 3}"], log=lambda m: None)
    divgan.train("ring-vanilla", out=tmp_path / "ref", overrides=[*SMALL, f"train.steps={stopped + 3}"], log=lambda m: None)
    assert_same_run(tmp_path / "ref", out)
