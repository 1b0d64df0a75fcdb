"""The one HTML layout of divgan's pages (run report, compare, lecture, benchmark): a shared style
sheet, a page shell and a table. Pages are self-contained (no CDN, images inline or beside them)."""
from __future__ import annotations

import html

STYLE = """body{font-family:sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
img{max-width:100%} img[width],img.px,.strip img{image-rendering:pixelated}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:left} th{background:#f3f3f3}
code{background:#f3f3f3;padding:1px 4px;font-size:.88em;word-break:break-all}
pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.85em} .muted,.status{color:#666;font-size:.9em}
figcaption{font-size:.88em;color:#444}"""


def page(title: str, body: str, style: str = "") -> str:
    """A complete HTML document: the shared style sheet (plus ``style``), ``title`` and ``body``."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="icon" href="data:,"><style>{STYLE}\n{style}</style></head><body>{body}</body></html>')


def table(head: list[str], rows: list[list], cell=str) -> str:
    """An HTML table; every header and cell escaped (``cell`` turns values into text)."""
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"
