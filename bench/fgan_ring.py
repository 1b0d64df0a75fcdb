"""Every f-divergence of the catalogue on the 8-Gaussian ring: modes covered over seeds.

For each divergence and seed it trains the ``ring-vanilla`` preset (the plain GAN; ``--preset`` another, e.g.
``ring-fgan``) with the f-GAN objective

    divgan train ring-vanilla --set objective.name=fgan --set objective.divergence=NAME --set seed=S [--set ...]

(in this process, one after the other, one thread each), and prints per divergence the modes covered
at the last step on every seed and the mean ± standard error of modes, % high-quality samples and
KL(modes ‖ uniform) (the toy protocol of ``divgan.metrics.toy``: 2,500 samples). ``--set`` changes
every run, e.g. the R1 gradient penalty of docs/tricks.md:

    python bench/fgan_ring.py [--preset ring-vanilla] [--divergences kl,reverse_kl,...] [--seeds 5] [--steps N]
                              [--set tricks.gradient_penalty.kind=r1 --set tricks.gradient_penalty.weight=0.1]
                              [--results FILE.jsonl] [--markdown] [--json FILE]

``--results`` makes the sweep resumable: every finished run is appended to the JSON-lines file with its
settings, and a run already there (same divergence, seed, steps and ``--set`` list) is not repeated.
Two processes with disjoint ``--divergences`` may share one file (one line per run, appended); a last
call with every divergence then trains nothing and prints the whole table (``--markdown``: as the
Markdown table of docs/tricks.md).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import torch


def mean_se(xs: list[float]) -> tuple[float, float]:
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, 0.0
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def one(div: str, seed: int, steps: int | None, extra: list[str], preset: str = "ring-vanilla") -> dict:
    from divgan.api import train

    sets = ["objective.name=fgan", f"objective.divergence={div}", f"seed={seed}", "train.threads=1", "train.progress=false"]
    if steps is not None:
        sets += [f"train.steps={steps}", f"eval.every={steps}"]
    t = time.time()
    run = train(preset, overrides=sets + extra, save=False, log=lambda *a, **k: None)
    final = run.summary["final"]
    return {"divergence": div, "seed": seed, "modes": final["modes"], "high_quality": final["high_quality"],
            "kl_uniform": final["kl_uniform"], "rollbacks": run.driver.rollbacks, "seconds": round(time.time() - t, 1)}


def settings(steps: int | None, extra: list[str], preset: str = "ring-vanilla") -> dict:
    """What, besides divergence and seed, identifies a run in a ``--results`` file."""
    return {"steps": steps, "set": list(extra), **({} if preset == "ring-vanilla" else {"preset": preset})}


def load(path: str | None, want: dict) -> dict[tuple[str, int], dict]:
    """The runs of ``path`` made with the settings ``want``, by (divergence, seed)."""
    done: dict[tuple[str, int], dict] = {}
    if path is None:
        return done
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    if r.get("settings") == want:
                        done[(r["divergence"], r["seed"])] = r
    except FileNotFoundError:
        pass
    return done


def summary(runs: list[dict]) -> dict:
    out = {"seeds": [r["seed"] for r in runs], "modes_per_seed": [r["modes"] for r in runs],
           "seconds": sum(r["seconds"] for r in runs)}
    for key in ("modes", "high_quality", "kl_uniform"):
        out[key] = mean_se([float(r[key]) for r in runs])
    return out


def text_line(div: str, s: dict) -> str:
    (m, ms), (h, hs), (k, ks) = s["modes"], s["high_quality"], s["kl_uniform"]
    return (f"{div:11s} modes {m:4.1f} ± {ms:3.1f}  HQ {h:5.1f} ± {hs:4.1f}%  KL {k:5.3f} ± {ks:5.3f}  per seed "
            f"{' '.join(str(x) for x in s['modes_per_seed'])}  ({s['seconds']:.0f} s)")


def markdown(table: list[tuple[str, dict]]) -> str:
    lines = ["| divergence | seeds | modes per seed | modes (of 8) | % high-quality | KL(modes‖uniform) | s per run |",
             "|---|---|---|---|---|---|---|"]
    for div, s in table:
        (m, ms), (h, hs), (k, ks) = s["modes"], s["high_quality"], s["kl_uniform"]
        seeds = s["seeds"]
        lines.append(f"| {div} | {min(seeds)}–{max(seeds)} | {' '.join(str(x) for x in s['modes_per_seed'])} | "
                     f"{m:.1f} ± {ms:.1f} | {h:.1f} ± {hs:.1f} | {k:.3f} ± {ks:.3f} | {s['seconds'] / len(seeds):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from divgan.divergences import DIVERGENCES
    from divgan.errors import DivganError

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="ring-vanilla", help="the ring preset each run starts from (default ring-vanilla)")
    p.add_argument("--divergences", default=",".join(DIVERGENCES.names()))
    p.add_argument("--seeds", type=int, default=5, help="seeds 0 … N−1 (default 5)")
    p.add_argument("--steps", type=int, default=None, help="generator steps (default: the preset's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--results", default=None, metavar="FILE.jsonl",
                   help="append each run here and skip the runs already in it (resumable)")
    p.add_argument("--markdown", action="store_true", help="print the table in Markdown at the end")
    p.add_argument("--json", default=None, help="write every run of the table to this JSON file")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    want = settings(a.steps, a.set, a.preset)
    done = load(a.results, want)
    rows, table = [], []
    try:
        for div in a.divergences.split(","):
            runs = []
            for s in range(a.seeds):
                r = done.get((div, s))
                if r is None:
                    r = one(div, s, a.steps, a.set, a.preset)
                    if a.results:
                        with open(a.results, "a") as f:
                            f.write(json.dumps({**r, "settings": want}) + "\n")
                runs.append(r)
            rows += runs
            table.append((div, summary(runs)))
            print(text_line(div, table[-1][1]), flush=True)
    except DivganError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.markdown:
        print(markdown(table))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
