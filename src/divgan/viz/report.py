"""``report.html``: one self-contained page per run (images embedded as data URIs, no network)."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..train.rundir import RunDir, atomic_write_text


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(path.name)}"><figcaption>{html.escape(path.name)}</figcaption></figure>'


def write_report(path: Path) -> Path:
    run = RunDir(path)
    summary = json.loads(run.summary.read_text()) if run.summary.exists() else {}
    final = summary.get("final", {})
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v:.4g}</td></tr>" if isinstance(v, float) else
                   f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in final.items())
    images = sorted(run.samples.glob("*.png")) if run.samples.is_dir() else []
    main = [p for p in images if not p.name.startswith("step_")]
    steps = [p for p in images if p.name.startswith("step_")]
    ckpts = sorted(run.checkpoints.glob("*.pt")) if run.checkpoints.is_dir() else []
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>divgan run {html.escape(run.path.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} img{{max-width:100%}} figure{{display:inline-block;margin:.5em}}
table{{border-collapse:collapse}} td{{border:1px solid #ccc;padding:2px 8px}} pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style></head>
<body><h1>divgan run: {html.escape(run.path.name)}</h1>
<h2>Final metrics</h2><table>{rows}</table>
<h2>Figures</h2>{''.join(_img(p) for p in main)}
<h2>Samples over training</h2>{''.join(_img(p) for p in steps[-8:])}
<h2>Checkpoints</h2><ul>{''.join(f'<li><a href="checkpoints/{html.escape(p.name)}">{html.escape(p.name)}</a></li>' for p in ckpts)}</ul>
<h2>Config</h2><pre>{html.escape(run.config.read_text() if run.config.exists() else '')}</pre>
</body></html>"""
    atomic_write_text(run.report, page)
    return run.report
