"""The lecture gallery: every figure of a lecture on GANs, made by divgan, on one HTML page.

A *section* is a function ``fn(ctx) -> list[Figure]`` registered with ``@section(name, title,
requires=...)``; it runs divgan's own commands / library functions (with a small budget under
``--quick``) and returns PNGs with a caption saying what they show and the command that made them.
A section whose ``requires`` (``"module:attribute"``) cannot be imported is left out of the page and
listed as missing; a section that raises is listed as failed (and ``divgan lecture`` exits 1).
Sections run in registration order, which is the order of the lecture."""
from __future__ import annotations

import html
import importlib
import shlex
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ..registry import Registry

GALLERY_MAX_BYTES = 300_000


@dataclass
class Figure:
    """One image of the page: the file, what it shows, and the command that made it."""

    path: Path
    caption: str
    command: str
    details: str = ""  # preformatted text shown under the caption (a measured table)


@dataclass
class Section:
    name: str
    title: str
    fn: Callable[["Context"], list[Figure]]
    requires: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """The ``module:attribute`` requirements that cannot be imported here."""
        out = []
        for req in self.requires:
            mod, _, attr = req.partition(":")
            try:
                m = importlib.import_module(mod)
                if attr and not hasattr(m, attr):
                    out.append(req)
            except ImportError:
                out.append(req)
        return out


SECTIONS: Registry[Section] = Registry("lecture section")


def section(name: str, title: str, requires: tuple[str, ...] = ()):
    """Register ``fn(ctx) -> list[Figure]`` as a section of the lecture."""

    def deco(fn):
        SECTIONS.register(name)(Section(name, title, fn, tuple(requires)))
        return fn

    return deco


@dataclass
class Context:
    """What a section gets: where to write, the budget, and helpers to train and name figures."""

    out: Path
    quick: bool
    data_root: str | None = None
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr)
    runs: dict = field(default_factory=dict)  # runs trained by earlier sections, by name
    run_cli: Callable[[list[str]], int] | None = None  # ``divgan ARGV`` in this process (given by the command)

    def fig(self, name: str) -> Path:
        path = self.out / "figures" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def budget(self, quick, full):
        return quick if self.quick else full

    def train(self, name: str, preset: str, overrides: list[str]):
        """Train ``preset`` with ``overrides`` into ``out/runs/name`` (reused by later sections);
        returns (run, the equivalent ``divgan train`` command)."""
        from ..api import train

        if name in self.runs:
            return self.runs[name]
        if self.data_root and not preset.startswith(("ring", "grid")):
            overrides = [*overrides, f"data.root={self.data_root}"]
        out = self.out / "runs" / name
        self.log(f"lecture: training {name} ({preset} {' '.join(overrides)})")
        run = train(preset, out=out, overrides=[*overrides, "train.progress=false"], force=True, log=self.log)
        cmd = shlex.join(["divgan", "train", preset, "--out", f"runs/{name}", *[x for o in overrides for x in ("--set", o)]])
        self.runs[name] = (run, cmd)
        return run, cmd


    def command(self, *argv: str) -> str:
        """Run ``divgan ARGV...`` in this process (the same code a user runs); returns its stdout."""
        import contextlib
        import io

        from ..errors import DivganError

        if self.run_cli is None:
            raise DivganError("this lecture section runs divgan commands: build it with `divgan lecture` (or pass run_cli)")
        self.log(f"lecture: divgan {shlex.join(argv)}")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = self.run_cli(list(argv))
        if rc:
            raise DivganError(f"divgan {shlex.join(argv)} exited with {rc}")
        return buf.getvalue()


def copy_figure(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def small_png(src: Path, dst: Path, max_bytes: int = GALLERY_MAX_BYTES) -> Path:
    """A copy of a PNG under ``max_bytes``: palette-quantised, then halved until it fits."""
    from PIL import Image

    img = Image.open(src).convert("RGB")
    while True:
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(dst, optimize=True)
        if dst.stat().st_size <= max_bytes or min(img.size) < 64:
            return dst
        img = img.resize((int(img.width * 0.75), int(img.height * 0.75)), Image.Resampling.LANCZOS)


@dataclass
class Result:
    section: Section
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    missing: list[str] = field(default_factory=list)


def build(out: Path, quick: bool = False, only: list[str] | None = None, data_root: str | None = None,
          gallery: Path | None = None, log=None, threads: int | None = 1, run_cli=None) -> list[Result]:
    """Run the sections (all, or ``only``), write ``out/index.html``; copy each figure, shrunk under
    300 KB, into ``gallery`` if given. Small models run fastest on one thread (``threads``)."""
    from . import sections  # noqa: F401  (registers the sections)

    from ..errors import DivganError

    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").exists():
        raise DivganError(f"--out {out} is a non-empty folder that is not a divgan lecture (its runs/ would be replaced); choose another --out")
    names = only or SECTIONS.names()
    for n in names:
        SECTIONS[n]  # unknown names fail before any work
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out, quick, data_root, log or (lambda m: print(m, file=sys.stderr)), run_cli=run_cli)
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    results = []
    try:
        for n in names:
            sec = SECTIONS[n]
            res = Result(sec, missing=sec.missing())
            if not res.missing:
                t = time.time()
                try:
                    res.figures = sec.fn(ctx)
                except Exception as e:  # a broken section must not hide the others
                    res.error = f"{type(e).__name__}: {e}"
                    ctx.log(f"lecture: section {n} failed:\n{traceback.format_exc()}")
                res.seconds = time.time() - t
                ctx.log(f"lecture: {n} {'failed' if res.error else 'done'} in {res.seconds:.1f} s")
            else:
                ctx.log(f"lecture: {n} left out (needs {', '.join(res.missing)})")
            results.append(res)
    finally:
        torch.set_num_threads(old_threads)
    write_page(out, results, quick)
    if gallery:
        gallery = Path(gallery)
        gallery.mkdir(parents=True, exist_ok=True)
        for r in results:
            for f in r.figures:
                if f.path.suffix == ".png":  # animations stay on the page
                    small_png(f.path, gallery / f.path.name)
    return results


PAGE_STYLE = "figure{margin:1em 0} figcaption{font-size:.92em;color:#333}"  # on top of viz.html's style sheet


def display_width(path: Path, target: int = 400, max_height: int = 900) -> str:
    """A ``width`` attribute that enlarges small images (grids of 8–32-pixel digits) by a whole factor."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    k = min(-(-target // w), max(1, max_height // h))
    return f' width="{w * k}" class=px' if k > 1 else ""


def live_command(command: str) -> str | None:
    """The command that shows a figure's training live in the browser (``divgan train ... --live``), for
    figures made by one ``divgan train`` run (the first command of a chain), else None."""
    first = command.split(";")[0].strip()
    return f"{first} --live" if first.startswith("divgan train ") else None


def live_hint(command: str) -> str:
    live = live_command(command)
    return f"<br><span class=muted>Watch it train live:</span> <code>{html.escape(live)}</code>" if live else ""


def write_page(out: Path, results: list[Result], quick: bool) -> Path:
    """``out/index.html``: one section per lecture topic, images beside the page (figures/)."""
    parts = ["<h1>GANs as learned divergences: the lecture, made by divgan</h1>",
             f"<p class=muted>Made by <code>divgan lecture{' --quick' if quick else ''}</code>"
             f"{' (small budgets: the pictures show the effects, not converged runs)' if quick else ''}. "
             "Each caption says what the figure shows and the command that made it.</p>"]
    toc = [f'<li><a href="#{r.section.name}">{html.escape(r.section.title)}</a></li>' for r in results if r.figures]
    parts.append(f"<ol>{''.join(toc)}</ol>")
    for r in results:
        if not r.figures:
            continue
        parts.append(f'<h2 id="{r.section.name}">{html.escape(r.section.title)}</h2>')
        for f in r.figures:
            rel = Path(f.path).resolve().relative_to(out.resolve()).as_posix()
            parts.append(f'<figure><img src="{html.escape(rel)}"{display_width(f.path)} alt="{html.escape(r.section.title)}">'
                         f"<figcaption>{html.escape(f.caption)}<br><span class=muted>Command:</span> "
                         f"<code>{html.escape(f.command)}</code>{live_hint(f.command)}</figcaption></figure>"
                         + (f"<pre>{html.escape(f.details)}</pre>" if f.details else ""))
        parts.append(f"<p class=muted>section built in {r.seconds:.0f} s</p>")
    left = [r for r in results if not r.figures]
    if left:
        items = "".join(f"<li>{html.escape(r.section.title)}: " + html.escape(
            f"failed ({r.error})" if r.error else f"needs {', '.join(r.missing)}" if r.missing else "no figure") + "</li>" for r in left)
        parts.append(f"<h2>Not in this build</h2><ul>{items}</ul>")
    from ..viz.html import page as html_page

    page = html_page("divgan lecture", "".join(parts), PAGE_STYLE)
    path = out / "index.html"
    path.write_text(page)
    return path
