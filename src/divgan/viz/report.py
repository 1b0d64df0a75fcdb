"""``report.html``: one self-contained page per run (images embedded as data URIs, no network).

Written at every evaluation while a run trains and again when it ends (``viz.figures.ReportPage``), and
rewritten from the run directory alone by ``divgan report RUN_DIR``. It shows the run's status, the
latest metrics beside their values on real data (the reference), metric and loss curves, the final
figures, samples over training (image grids, or the toy density/discriminator panels), latent walks,
links to the checkpoints and the resolved config."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import yaml

from ..io import atomic_write_text
from ..metrics import reference_values
from ..train.rundir import EVALUATION_FILE, RunDir
from .figures import spread as _spread
from .html import page as html_page
from .svg import line_chart

LOSS_KEYS = ("d_loss", "g_loss", "value")
NOT_CURVES = ("step", "time", "modes_total")
MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
FIRST = ("density", "final", "samples_1d", "curves")  # the main figures, shown in this order
MAX_STEPS_SHOWN = 12

REFERENCE_FILE = "reference.json"

# the report's additions to the shared style sheet of viz.html
STYLE = """figure{display:inline-block;margin:.4em;vertical-align:top} figcaption{text-align:center}
.strip figure img{width:160px} .charts svg{margin:.3em;border:1px solid #eee}"""


def data_uri(path: Path) -> str:
    """A file as a data: URI (so the page works when moved or opened offline)."""
    path = Path(path)
    return f"data:{MIME.get(path.suffix.lower(), 'application/octet-stream')};base64,{base64.b64encode(path.read_bytes()).decode()}"


def figure(path: Path, caption: str, min_width: int = 256) -> str:
    """An embedded image with its caption; small images (e.g. grids of 16-pixel digits) are shown
    at least ``min_width`` pixels wide, pixelated."""
    from PIL import Image

    with Image.open(path) as im:
        width = im.width
    size = f' width="{min_width}"' if width < min_width else ""
    return (f'<figure><img src="{data_uri(path)}"{size} alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v)) if v is not None else "–"


def metric_series(rows: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """{metric: [(step, value), ...]} for every numeric key of metrics.jsonl rows."""
    out: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        for k, v in r.items():
            if k not in NOT_CURVES and isinstance(v, (int, float)) and not isinstance(v, bool) and "step" in r:
                out.setdefault(k, []).append((r["step"], float(v)))
    return out


def _load_reference(run: RunDir, driver) -> dict:
    path = run.path / REFERENCE_FILE
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            pass
    if driver is None:
        return {}
    try:
        ref = reference_values(driver.context, driver.metric_names, driver.cfg.eval.n_samples)
    except Exception as e:  # a reference is a nicety: it must never stop a training run
        driver.log(f"warning: no real-data reference values for the report ({type(e).__name__}: {str(e)[:160]})")
        ref = {}
    atomic_write_text(path, json.dumps(ref, indent=1) + "\n")  # computed once per run, even when empty
    return ref


def _metrics_table(latest: dict, reference: dict, best: dict | None) -> str:
    rows = []
    for k, v in latest.items():
        if k in ("step", "modes_total"):
            continue
        shown = f"{fmt(v)} / {latest['modes_total']}" if k == "modes" and "modes_total" in latest else fmt(v)
        ref = reference.get(k)
        ref_shown = f"{fmt(ref)} / {latest.get('modes_total', '?')}" if k == "modes" and ref is not None else fmt(ref) if ref is not None else ""
        rows.append(f"<tr><td>{html.escape(k)}</td><td>{shown}</td><td>{ref_shown}</td></tr>")
    head = "<tr><th>metric</th><th>value</th><th>real data (reference)</th></tr>"
    best_line = (f"<p>Best {html.escape(str(best['metric']))}: {fmt(best['value'])} at step {best['step']} "
                 f"(checkpoints/best.pt)</p>" if best else "")
    return f"<table>{head}{''.join(rows)}</table>{best_line}"


def _charts(rows: list[dict], reference: dict) -> str:
    series = metric_series(rows)
    losses = {k: series.pop(k) for k in LOSS_KEYS if k in series}
    charts = [line_chart(losses, "losses (mean of the last 100 steps)")] if losses else []
    charts += [line_chart({k: pts}, k, reference=reference.get(k)) for k, pts in sorted(series.items())]
    note = "<p class=status>Dashed line: the metric on real data.</p>" if reference else ""
    return f'<div class="charts">{"".join(charts)}</div>{note}'


def _status(cfg: dict, rows: list[dict], summary: dict, driver, finished: bool) -> str:
    total = (cfg.get("train") or {}).get("steps", "?")
    step = rows[-1]["step"] if rows else 0
    if finished and driver is not None:
        return f"finished: {driver.core.step} steps in {driver.elapsed:.1f} s"
    if summary and summary.get("steps", -1) >= step:
        extra = " (stopped early)" if summary.get("stopped_early") else ""
        return f"finished: {summary['steps']} steps in {summary.get('seconds', 0):.1f} s{extra}"
    return f"in progress: evaluated at step {step} of {total} (this page is rewritten at every evaluation)"


def _theory_section(path: Path) -> list[str]:
    """theory.png and the checks of theory.json, when ``divgan theory RUN_DIR`` wrote them there."""
    png = path / "theory.png"
    if not png.exists():
        return []
    try:
        rep = json.loads((path / "theory.json").read_text())
    except (OSError, ValueError):
        rep = {}
    checks = "".join(f"<li>{'ok' if c.get('ok') else '<b>FAIL</b>'}: {html.escape(str(c.get('text', '')))}</li>"
                     for c in rep.get("checks", []))
    step = f", step {rep['step']}" if "step" in rep else ""
    return [f"<h2>Theory check (<code>divgan theory</code>{step})</h2>",
            figure(png, "the trained D beside the optimal D* = p/(p+q̂)"), f"<ul>{checks}</ul>" if checks else ""]


def write_report(path: Path, driver=None, finished: bool = False) -> Path:
    """(Re)write ``report.html`` of the run in ``path``. ``driver`` (optional, while training) lets the
    reference values be computed the first time; ``finished`` marks the call at the end of training
    (before summary.json exists)."""
    run = RunDir(path)
    summary = json.loads(run.summary.read_text()) if run.summary.exists() else {}
    config_text = run.config.read_text() if run.config.exists() else ""
    try:
        cfg = yaml.safe_load(config_text) or {}
    except yaml.YAMLError:
        cfg = {}
    rows = run.read_metrics()
    latest = rows[-1] if rows else summary.get("final", {})
    reference = _load_reference(run, driver)
    images = sorted(p for p in run.samples.iterdir() if p.suffix.lower() in MIME) if run.samples.is_dir() else []
    steps = [p for p in images if p.name.startswith("step_")]
    walks = [p for p in images if p not in steps and ("walk" in p.name or "interp" in p.name)]
    main = sorted((p for p in images if p not in steps and p not in walks),
                  key=lambda p: (FIRST.index(p.stem) if p.stem in FIRST else len(FIRST), p.name))
    ckpts = sorted(run.checkpoints.glob("*.pt")) if run.checkpoints.is_dir() else []
    parts = [f"<h1>divgan run: {html.escape(run.path.name)}</h1>",
             f"<p>{html.escape(str(cfg.get('description') or ''))}</p><p class=status>{html.escape(_status(cfg, rows, summary, driver, finished))}</p>",
             f"<h2>Metrics at step {latest.get('step', '–')}</h2>", _metrics_table(latest, reference, summary.get("best")),
             "<h2>Curves</h2>", _charts(rows, reference)]
    evaluation = run.path / EVALUATION_FILE
    if evaluation.exists():
        ev = json.loads(evaluation.read_text())
        parts += [f"<h2>Evaluation (<code>divgan evaluate</code>, step {ev.get('step')}, {ev.get('n_samples')} samples)</h2>",
                  _metrics_table(ev.get("metrics", {}), ev.get("reference", {}), None)]
    if main:
        parts += ["<h2>Figures</h2>", "".join(figure(p, p.stem.replace("_", " ")) for p in main)]
    parts += _theory_section(run.path)
    if steps:
        per_class = (cfg.get("generator") or {}).get("conditioning", "none") not in ("none", None)
        parts += [f"<h2>Samples over training (fixed noise{'; one row per class, class 0 on top' if per_class else ''})</h2>", '<div class="strip">',
                  "".join(figure(p, f"step {int(p.stem.split('_')[1])}") for p in _spread(steps, MAX_STEPS_SHOWN)), "</div>"]
    if walks:
        parts += ["<h2>Latent walks</h2>", "".join(figure(p, p.stem.replace("_", " ")) for p in walks)]
    links = "".join(f'<li><a href="checkpoints/{html.escape(p.name)}">{html.escape(p.name)}</a> ({p.stat().st_size / 1e6:.2f} MB)</li>' for p in ckpts)
    parts += ["<h2>Checkpoints</h2>", f"<ul>{links}</ul>" if ckpts else "<p>none yet</p>",
              f"<p class=status>Sample: <code>divgan sample {html.escape(str(run.path))} --n 64 --out samples.png</code></p>"]
    if (run.path / "tensorboard").is_dir():
        parts.append(f"<p class=status>TensorBoard: <code>tensorboard --logdir {html.escape(str(run.path / 'tensorboard'))}</code></p>")
    parts += ["<h2>Config</h2>", f"<pre>{html.escape(config_text)}</pre>"]
    page = html_page(f"divgan run {run.path.name}", "".join(parts), STYLE)
    atomic_write_text(run.report, page)
    return run.report
