"""``divgan lecture``: sections, missing/failed sections, the gallery, and --quick end to end."""
from __future__ import annotations

import pytest
from browser_helpers import Browser, find_chromium
from PIL import Image

import divgan.lecture_sections  # noqa: F401  (registers the real sections before any patching)
from divgan import lecture
from divgan.cli import main
from divgan.registry import Registry


@pytest.fixture
def sections(monkeypatch):
    """A private section registry, so the tests do not touch the lecture's."""
    reg = Registry("lecture section")
    monkeypatch.setattr(lecture, "SECTIONS", reg)
    return reg


def big_png(path, size=900):
    import numpy as np

    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(path)
    return path


def test_sections_missing_failed_and_made(sections, tmp_path):
    @lecture.section("made", "A figure")
    def made(ctx):
        assert ctx.quick
        return [lecture.Figure(big_png(ctx.fig("noise")), "noise", "divgan nothing"),
                lecture.Figure(big_png(ctx.fig("trained"), 64), "a run", "divgan train ring --out runs/r; divgan theory runs/r")]

    @lecture.section("absent", "Needs a module", requires=("divgan.not_a_module:f", "divgan.lecture:no_such_function"))
    def absent(ctx):
        raise AssertionError("must not run")

    @lecture.section("broken", "Raises")
    def broken(ctx):
        raise ValueError("bad section")

    results = lecture.build(tmp_path / "out", quick=True, gallery=tmp_path / "gallery", log=lambda m: None)
    by = {r.section.name: r for r in results}
    assert [f.path.name for f in by["made"].figures] == ["noise.png", "trained.png"]
    assert by["absent"].missing == ["divgan.not_a_module:f", "divgan.lecture:no_such_function"]
    assert by["broken"].error == "ValueError: bad section"
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'src="figures/noise.png"' in page and "divgan nothing" in page
    assert "Watch it train live:</span> <code>divgan train ring --out runs/r --live</code>" in page  # issue 22
    assert page.count("Watch it train live") == 1  # not for a figure that no training run made
    assert "needs divgan.not_a_module:f" in page and "failed (ValueError: bad section)" in page
    # the gallery copy of a 2.4 MB noise image is shrunk under 300 KB and stays a PNG
    g = tmp_path / "gallery" / "noise.png"
    assert (tmp_path / "out" / "figures" / "noise.png").stat().st_size > lecture.GALLERY_MAX_BYTES
    assert g.stat().st_size <= lecture.GALLERY_MAX_BYTES and Image.open(g).format == "PNG"


def test_fgan_ring_section_shows_the_ring_fgan_runs_and_the_plain_failure(tmp_path, monkeypatch):
    """The f-GAN section trains every divergence twice, with the ring-fgan preset of docs/tricks.md (R1 and an
    EMA generator; γ = 1 for kl and jeffrey) and as the plain f-GAN: two figures, the first made by ring-fgan runs (its
    command says so), the second by unpenalised runs without an average."""
    import divgan.lecture.sections as real_sections

    monkeypatch.setattr(real_sections, "FGAN_DIVERGENCES", ("tv", "kl"))  # four runs of 4 steps
    ctx = lecture.Context(tmp_path, quick=True, log=lambda m: None)
    monkeypatch.setattr(lecture.Context, "budget", lambda self, quick, full: 4)
    figs = lecture.SECTIONS["fgan_ring"].fn(ctx)
    assert [f.path.name for f in figs] == ["fgan_ring.png", "fgan_ring_plain.png"]
    fgan, plain = figs
    assert "divgan train ring-fgan" in fgan.command and "ring-vanilla" in plain.command
    assert "objective.divergence=<tv|kl>" in fgan.command and "R1" in fgan.caption and "without the penalty" in plain.caption
    assert sorted(ctx.runs) == ["fgan_ring_kl", "fgan_ring_plain_kl", "fgan_ring_plain_tv", "fgan_ring_tv"]
    for name, (run, _) in ctx.runs.items():
        c = run.config
        assert run.trainer.step == 4 and c.objective.name == "fgan" and c.objective.divergence == name.split("_")[-1]
        if "plain" in name:
            assert c.tricks.gradient_penalty.kind == [] and c.tricks.ema.decay == 0, name
        else:
            assert c.tricks.gradient_penalty.kind == ["r1"] and c.tricks.ema.decay == 0.99, name
            assert c.tricks.gradient_penalty.weight == (1.0 if name.endswith("kl") else 0.1), name
    assert Image.open(fgan.path).size[0] > 300


def test_unknown_section_busy_out_and_list(capsys, tmp_path):
    assert main(["lecture", "--only", "nope", "--out", str(tmp_path / "new")]) == 2
    assert "unknown lecture section 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine.txt").write_text("keep")
    assert main(["lecture", "--only", "ring", "--out", str(tmp_path)]) == 2
    assert "not a divgan lecture" in capsys.readouterr().err and (tmp_path / "mine.txt").read_text() == "keep"
    assert main(["lecture", "--list"]) == 0
    assert "ring" in capsys.readouterr().out


@pytest.mark.slow
def test_lecture_quick_end_to_end(tmp_path, capsys, monkeypatch):
    """Every real section runs through `divgan lecture --quick` and the page holds all their figures.
    The wiring is what is tested, so the quick budgets (thousands of steps, for a human to see the
    effects) shrink here to a few dozen steps."""
    import divgan.lecture.sections as real_sections
    import divgan.viz.zoo as viz_zoo
    import divgan.theory
    import divgan.zoo

    monkeypatch.setattr(lecture.Context, "budget", lambda self, quick, full: max(8, quick // 50))
    report = divgan.theory.run_report  # the theory section: 1,000 samples and a coarser quadrature grid
    monkeypatch.setattr(divgan.theory, "run_report", lambda trainer, n, seed: report(trainer, n=1000, seed=seed))
    monkeypatch.setattr(divgan.theory, "MAX_GRID", {1: 2001, 2: 301})
    monkeypatch.setattr(real_sections, "FGAN_DIVERGENCES", ("kl", "reverse_kl"))  # one panel figure either way
    monkeypatch.setattr(divgan.zoo, "LECTURE_TECHNIQUES", ("vanilla", "unrolled"))  # each run costs seconds of figures
    monkeypatch.setattr(divgan.zoo, "MODERN_TECHNIQUES", ("rpgan_r1_r2",))
    unrolling_figure = viz_zoo.unrolling_figure
    monkeypatch.setattr(viz_zoo, "unrolling_figure", lambda preset, path, steps, *a, **kw: unrolling_figure(preset, path, 10, *a, **kw))
    out, gallery = tmp_path / "lecture", tmp_path / "gallery"
    assert main(["lecture", "--quick", "--out", str(out), "--gallery", str(gallery)]) == 0
    text = capsys.readouterr().out
    assert f"-> {out}/index.html" in text and "FAILED" not in text
    page = (out / "index.html").read_text()
    figures = sorted(p for p in (out / "figures").iterdir() if p.suffix in (".png", ".gif"))
    assert len(figures) >= 4 and page.count("<figure>") == len(figures)
    assert page.count("Command:") == len(figures) and "divgan train ring" in page
    for f in figures:
        assert f'src="figures/{f.name}"' in page
        if f.suffix == ".png":
            assert (gallery / f.name).stat().st_size <= lecture.GALLERY_MAX_BYTES
    chromium, why = find_chromium(install=True)
    if chromium:
        with Browser(chromium) as b:
            found = b.check_page(out / "index.html")
        assert found["images"] == len(figures) and found["broken"] == [] and found["errors"] == []
