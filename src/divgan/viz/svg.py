"""Small inline-SVG line charts for the HTML pages (run report, comparison): no files, no network,
cheap enough to redraw at every evaluation."""
from __future__ import annotations

import html
import math

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def line_chart(series: dict[str, list[tuple[float, float]]], title: str, width: int = 320, height: int = 200,
               reference: float | None = None) -> str:
    """One chart, one polyline (with dots) per series of (x, y) points; non-finite points are
    dropped. ``reference`` draws a dashed horizontal line (e.g. the metric's value on real data)."""
    clean = {k: [(float(x), float(y)) for x, y in pts if math.isfinite(x) and math.isfinite(y)] for k, pts in series.items()}
    clean = {k: v for k, v in clean.items() if v}
    ml, mr, mt, mb = 48, 10, 22, 26
    out = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{html.escape(title)}"><rect width="100%" height="100%" fill="#fff"/>',
           f'<text x="{width / 2}" y="14" text-anchor="middle" font-size="12" font-family="sans-serif">{html.escape(title)}</text>']
    if not clean:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="11" fill="#888">no data yet</text></svg>')
        return "".join(out)
    xs = [x for pts in clean.values() for x, _ in pts]
    ys = [y for pts in clean.values() for _, y in pts] + ([reference] if reference is not None and math.isfinite(reference) else [])
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - abs(y0) * 0.1 - 1e-9, y1 + abs(y1) * 0.1 + 1e-9
    pw, ph = width - ml - mr, height - mt - mb

    def px(x):
        return ml + (x - x0) / (x1 - x0) * pw

    def py(y):
        return mt + (1 - (y - y0) / (y1 - y0)) * ph

    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#bbb"/>')
    for v, anchor_y in ((y0, py(y0)), (y1, py(y1))):
        out.append(f'<text x="{ml - 4}" y="{anchor_y + 4:.1f}" text-anchor="end" font-size="10" font-family="sans-serif">{_fmt(v)}</text>')
    for v in (x0, x1):
        out.append(f'<text x="{px(v):.1f}" y="{height - 8}" text-anchor="middle" font-size="10" font-family="sans-serif">{_fmt(v)}</text>')
    if reference is not None and math.isfinite(reference):
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{py(reference):.1f}" y2="{py(reference):.1f}" stroke="#555" stroke-dasharray="4 3"/>')
    for i, (name, pts) in enumerate(clean.items()):
        c = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{c}" stroke-width="1.5"><title>{html.escape(name)}</title></polyline>')
        if len(pts) <= 60:
            out.extend(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2" fill="{c}"/>' for x, y in pts)
    if len(clean) > 1:
        for i, name in enumerate(clean):
            y = mt + 12 + 12 * i
            out.append(f'<text x="{ml + 6}" y="{y}" font-size="10" font-family="sans-serif" fill="{PALETTE[i % len(PALETTE)]}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
