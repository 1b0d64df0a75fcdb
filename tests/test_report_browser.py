"""The run report, the comparison page and the lecture page render in headless Chromium with no broken image and no
console error. Chromium is Debian's ``chromium`` package: installed here if missing (root +
apt-get); the test skips, saying why, only when it cannot be installed."""
from __future__ import annotations

import pytest

from divgan import lecture
from divgan.cli import main
from divgan.lecture import Figure, Result, Section


def test_checker_catches_broken_images_and_console_errors(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>'
                    '<img src="missing.png" alt="missing"><img src="data:image/png;base64,AAAA" alt="corrupt">'
                    '<script>console.error("boom")</script></body></html>')
    found = browser.check_page(page)
    assert found["broken"] == ["missing", "corrupt"]
    assert any("boom" in e for e in found["errors"]) and any("missing.png" in e for e in found["errors"])


@pytest.fixture(scope="module")
def runs(ring_pair):
    return ring_pair


def test_report_renders(browser, runs):
    found = browser.check_page(runs[0].path / "report.html")
    assert found["images"] >= 2 and found["broken"] == [] and found["errors"] == []


def test_compare_page_renders(browser, runs, tmp_path, capsys):
    assert main(["compare", str(runs[0].path), str(runs[1].path), "--out", str(tmp_path / "cmp")]) == 0
    found = browser.check_page(tmp_path / "cmp" / "index.html")
    assert found["broken"] == [] and found["errors"] == []


def test_lecture_page_renders(browser, runs, tmp_path):
    """The page writer with one real figure (the lecture end to end is rendered in test_lecture)."""
    run = runs[1]
    fig = Figure(run.path / "samples" / "density.png", "the ring after 20 steps", "divgan train ring --set train.steps=20")
    results = [Result(Section("ring", "The ring", lambda ctx: [fig]), [fig], 1.0),
               Result(Section("zoo", "The zoo", lambda ctx: []), missing=["divgan.nothing:here"])]
    out = tmp_path / "lecture"
    out.mkdir()
    (out / "figures").mkdir()
    fig.path = lecture.copy_figure(fig.path, out / "figures" / "ring.png")
    page = lecture.write_page(out, results, quick=True)
    text = page.read_text()
    assert "figures/ring.png" in text and "Not in this build" in text and "divgan.nothing:here" in text
    found = browser.check_page(page)
    assert found["images"] == 1 and found["broken"] == [] and found["errors"] == []
