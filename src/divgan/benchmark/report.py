"""A benchmark's results: mean ± standard error over seeds per config (and budget), the published rows
beside them, as a text table, ``results.csv``, ``results.md``, ``results.html`` (with ``results.png``)
and ``results.json`` (everything, per seed)."""
from __future__ import annotations

import base64
import csv
import html
import json
import math
import os
import platform
from pathlib import Path


def mean_se(xs: list[float]) -> tuple[float | None, float | None]:
    """Mean and standard error (sample std / √n; None for one value)."""
    xs = [float(x) for x in xs if isinstance(x, (int, float)) and math.isfinite(x)]
    if not xs:
        return None, None
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, None
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return m, math.sqrt(var / len(xs))


def aggregate(jobs, proto) -> list[dict]:
    """One row per (config, budget), in the order planned."""
    groups: dict = {}
    for j in jobs:
        groups.setdefault((j.label, j.minutes), []).append(j)
    rows = []
    for (label, minutes), js in groups.items():
        ok = [j for j in js if j.scores is not None]
        values = {c.key: mean_se([j.scores.get(c.key) for j in ok]) for c in proto.columns}
        rows.append({"config": label, "minutes": minutes, "seeds": len(ok), "planned": len(js), "values": values,
                     "steps": mean_se([j.scores.get("step") for j in ok])[0],
                     "per_seed": [{"seed": j.seed, "path": str(j.path), **(j.scores or {}), **({"error": j.error} if j.error else {})}
                                  for j in js]})
    return rows


def cell(mean, se, spec: str) -> str:
    if mean is None:
        return "–"
    return f"{mean:{spec}}" + ("" if se is None else f" ± {se:{spec}}")


def table(proto, rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """(heading, rows): divgan's rows, then the published ones with their source."""
    timed = any(r["minutes"] is not None for r in rows)
    head = ["row", *(["minutes"] if timed else []), "seeds", *[c.label for c in proto.columns], "source"]
    body = []
    for r in rows:
        body.append([r["config"], *([f"{r['minutes']:g}"] if timed else []), f"{r['seeds']}/{r['planned']}",
                     *[cell(*r["values"][c.key], c.fmt) for c in proto.columns], "divgan (this run)"])
    for p in proto.published:
        vals = [cell(*p.values[c.key], c.fmt) if c.key in p.values else "–" for c in proto.columns]
        body.append([p.label, *(["–"] if timed else []), "–", *vals, p.source])
    return head, body


def text_table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, body)])


def write_csv(path: Path, proto, rows: list[dict]) -> None:
    keys = [c.key for c in proto.columns]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "minutes", "seeds", *[f"{k}{s}" for k in keys for s in ("", "_se")], "source"])
        for r in rows:
            w.writerow([r["config"], "" if r["minutes"] is None else r["minutes"], r["seeds"],
                        *["" if v is None else v for k in keys for v in r["values"][k]], "divgan"])
        for p in proto.published:
            w.writerow([p.label, "", "", *["" if v is None else v for k in keys for v in p.values.get(k, (None, None))],
                        p.source])


def environment(threads: int, workers: int) -> dict:
    """Versions and the machine, for the page."""
    import torch

    import divgan

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        load = "%.1f %.1f %.1f" % os.getloadavg()
    except OSError:
        load = "?"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"divgan": divgan.__version__, "torch": torch.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "cpu": cpu, "cores": cores, "threads per run": threads,
            "parallel runs": workers, "load average at start": load,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"}


def figure(path: Path, proto, rows: list[dict]) -> Path:
    """One panel per column: mean ± s.e. per config (published rows as grey diamonds), or, for timed
    protocols, one curve per config against the training-time budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = proto.columns
    ncols = min(3, len(cols))
    nrows = -(-len(cols) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.0 * nrows), squeeze=False)
    for ax in axes.flat[len(cols):]:
        ax.axis("off")
    timed = any(r["minutes"] is not None for r in rows)
    for ax, c in zip(axes.flat, cols):
        if timed:
            for label in dict.fromkeys(r["config"] for r in rows):
                pts = [(r["minutes"], *r["values"][c.key]) for r in rows if r["config"] == label and r["values"][c.key][0] is not None]
                if pts:
                    ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] or 0 for p in pts], marker="o",
                                ms=4, capsize=3, label=label)
            ax.set_xlabel("training minutes", fontsize=8)
        else:
            names, k = [], 0
            for r in rows:
                m, se = r["values"][c.key]
                if m is not None:
                    ax.errorbar([k], [m], yerr=[se or 0], fmt="o", ms=6, capsize=4, color="C0")
                names.append(r["config"])
                k += 1
            for p in proto.published:
                if c.key in p.values:
                    m, se = p.values[c.key]
                    ax.errorbar([k], [m], yerr=[se or 0], fmt="D", ms=5, capsize=4, color="0.55")
                    names.append(p.label + "*")
                    k += 1
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
            ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_title(f"{c.label} ({'higher' if c.better == 'max' else 'lower'} is better)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    if timed:
        axes.flat[0].legend(fontsize=7)
    elif proto.published:
        fig.text(0.01, 0.01, "* published (grey): " + "; ".join(dict.fromkeys(p.source for p in proto.published)), fontsize=6)
    fig.suptitle(f"divgan benchmark {proto.registry_name}: mean ± s.e. over seeds", fontsize=9)
    fig.tight_layout(rect=(0, 0.04, 1, 1 - 0.05 / nrows))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(proto, head, body, meta: dict) -> str:
    md = lambda r: "| " + " | ".join(x.replace("|", "\\|") for x in r) + " |"  # noqa: E731
    lines = [f"# divgan benchmark {proto.registry_name}", "", proto.title, "",
             f"{meta['n_samples']:,} generator samples per run; mean ± standard error over seeds; metrics: "
             f"{', '.join(proto.metrics)}.", "", md(head), md(["---"] * len(head)), *map(md, body), ""]
    lines += [f"- {k}: {v}" for k, v in meta["extra"].items()] + [f"- {n}" for n in proto.notes]
    lines += ["", "![results](results.png)", "", "## Commands", "", "```", meta["command"], "```", "",
              "Each seed (run directories under this folder):", "", "```", *meta["commands"], "```", "",
              "## Versions and machine", "", *[f"- {k}: {v}" for k, v in meta["environment"].items()],
              f"- started {meta['started']}, finished {meta['finished']}", ""]
    return "\n".join(lines)


def page(proto, head, body, meta: dict, png: Path) -> str:
    from ..viz.html import page as html_page
    from ..viz.html import table as html_table

    esc = html.escape
    notes = "".join(f"<li>{esc(k)}: {esc(str(v))}</li>" for k, v in meta["extra"].items())
    notes += "".join(f"<li>{esc(n)}</li>" for n in proto.notes)
    env = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in meta["environment"].items())
    img = base64.b64encode(png.read_bytes()).decode()
    return html_page(
            f"divgan benchmark {proto.registry_name}",
            f"<h1>divgan benchmark {esc(proto.registry_name)}</h1><p>{esc(proto.title)}</p>"
            f"<p>{meta['n_samples']:,} generator samples per run; mean ± standard error over seeds; published rows "
            f"with their source.</p>{html_table(head, body)}<ul>{notes}</ul>"
            f'<p><img src="data:image/png;base64,{img}" alt="results figure"></p>'
            f"<h2>Commands</h2><pre>{esc(meta['command'])}</pre><p>Each seed:</p><pre>{esc(chr(10).join(meta['commands']))}</pre>"
            f"<h2>Versions and machine</h2><table>{env}</table>"
            f"<p>started {esc(meta['started'])}, finished {esc(meta['finished'])}</p>")


def write_all(out: Path, proto, jobs, meta: dict) -> dict:
    """Write every output file; returns {name: path} and the text table under "table"."""
    from ..io import atomic_write_text

    rows = aggregate(jobs, proto)
    head, body = table(proto, rows)
    meta = {**meta, "extra": proto.extra(meta["n_samples"]), "commands": [c for j in jobs for c in j.commands]}
    paths = {"csv": out / "results.csv", "md": out / "results.md", "html": out / "results.html",
             "png": out / "results.png", "json": out / "results.json"}
    write_csv(paths["csv"], proto, rows)
    figure(paths["png"], proto, rows)
    atomic_write_text(paths["md"], markdown(proto, head, body, meta))
    atomic_write_text(paths["html"], page(proto, head, body, meta, paths["png"]))
    atomic_write_text(paths["json"], json.dumps({"protocol": proto.registry_name, **meta, "rows": rows,
                                                 "published": [p.__dict__ for p in proto.published]}, indent=1, default=str) + "\n")
    text = text_table(head, body)
    extra = "\n".join(f"{k}: {v}" for k, v in meta["extra"].items())
    return {"table": text + (f"\n{extra}" if extra else ""), **paths}
