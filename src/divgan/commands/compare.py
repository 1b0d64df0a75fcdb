"""``divgan compare RUN_DIR... [--out DIR]``: what differs between runs' configs, their final metrics,
and their metric curves overlaid — as text on stdout, a figure (compare.png) and a page (index.html)."""
from __future__ import annotations

import html
import json
from pathlib import Path

import yaml

from ..errors import DivganError
from . import command

IGNORED = ("description",)


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested config -> {"train.steps": 3000, ...} (lists stay values)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def load_run(path: Path) -> dict:
    """A run's name, flattened config, metrics rows and final metrics (summary, else the last row)."""
    from ..train.rundir import RunDir

    run = RunDir.open(path)
    try:
        cfg = yaml.safe_load(run.config.read_text()) or {}
    except yaml.YAMLError:
        raise DivganError(f"{run.config} is not valid YAML") from None
    rows = run.read_metrics()
    summary = json.loads(run.summary.read_text()) if run.summary.exists() else {}
    final = summary.get("final") or (rows[-1] if rows else {})
    return {"path": run.path, "config": flatten(cfg), "rows": rows, "final": final}


def labels(paths: list[Path]) -> list[str]:
    """Short unique names: the folder name, or parent/name when names repeat."""
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [f"{p.parent.name}/{p.name}" if names.count(p.name) > 1 else p.name for p in paths]


def differences(runs: list[dict]) -> dict[str, list]:
    """{config key: [value per run]} for the keys whose values are not all equal."""
    keys = sorted({k for r in runs for k in r["config"]} - set(IGNORED))
    missing = object()
    out = {}
    for k in keys:
        vals = [r["config"].get(k, missing) for r in runs]
        if any(v != vals[0] for v in vals):
            out[k] = ["–" if v is missing else v for v in vals]
    return out


def final_metrics(runs: list[dict]) -> dict[str, list]:
    keys = [k for k in dict.fromkeys(k for r in runs for k in r["final"]) if k != "step"]
    return {k: [r["final"].get(k) for r in runs] for k in keys}


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "–" if v is None else str(v)


def text_table(head: list[str], rows: list[list]) -> str:
    cells = [head, *[[_cell(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def curve_keys(runs: list[dict]) -> list[str]:
    from ..viz.report import metric_series

    keys = {k for r in runs for k in metric_series(r["rows"])}
    order = [k for k in ("d_loss", "g_loss", "value") if k in keys]
    return order + sorted(keys - set(order))


def plot(runs: list[dict], names: list[str], path: Path) -> Path:
    """One panel per metric, one line per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..viz.report import metric_series

    keys = curve_keys(runs)
    ncols = min(4, max(1, len(keys)))
    nrows = max(1, -(-len(keys) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    series = [metric_series(r["rows"]) for r in runs]
    for ax, key in zip(axes.flat, keys):
        for name, s in zip(names, series):
            if key in s:
                ax.plot(*zip(*s[key]), "o-", ms=2.5, lw=1.2, label=name)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    handles, labs = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labs, loc="lower center", ncol=min(4, len(labs)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def page(runs: list[dict], names: list[str], diff: dict, final: dict, path: Path) -> Path:
    from ..io import atomic_write_text
    from ..viz.html import page as html_page
    from ..viz.html import table as html_table
    from ..viz.report import STYLE, metric_series
    from ..viz.svg import line_chart

    def table(head, rows):
        return html_table(head, rows, _cell)

    series = [metric_series(r["rows"]) for r in runs]
    charts = "".join(line_chart({n: s[k] for n, s in zip(names, series) if k in s}, k) for k in curve_keys(runs))
    links = "".join(f'<li>{html.escape(n)}: <code>{html.escape(str(r["path"]))}</code></li>' for n, r in zip(names, runs))
    body = (f"<h1>divgan compare: {len(runs)} runs</h1><ul>{links}</ul>"
            f"<h2>Config: what differs</h2>{table(['key', *names], [[k, *v] for k, v in diff.items()]) if diff else '<p>identical configs</p>'}"
            f"<h2>Final metrics</h2>{table(['metric', *names], [[k, *v] for k, v in final.items()])}"
            f'<h2>Curves</h2><div class="charts">{charts}</div>')
    atomic_write_text(path, html_page("divgan compare", body, STYLE))
    return path


@command("compare")
class Compare:
    help = "compare runs: config differences, final metrics, overlaid metric curves (text, figure and page)"

    @staticmethod
    def configure(p):
        p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
        p.add_argument("--out", default="compare", help="folder for compare.png and index.html (default: ./compare)")
        p.add_argument("--no-files", action="store_true", help="print the tables only")

    @staticmethod
    def run(args) -> int:
        paths = [Path(p) for p in args.run_dirs]
        runs = [load_run(p) for p in paths]
        names = labels([r["path"] for r in runs])
        diff, final = differences(runs), final_metrics(runs)
        print("config: what differs" if diff else "config: identical")
        if diff:
            print(text_table(["key", *names], [[k, *v] for k, v in diff.items()]))
        print("\nfinal metrics")
        print(text_table(["metric", *names], [[k, *v] for k, v in final.items()]))
        if not args.no_files:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            fig = plot(runs, names, out / "compare.png")
            html_path = page(runs, names, diff, final, out / "index.html")
            print(f"\nfigure: {fig}\npage: {html_path}")
        return 0
