"""docs/extending.md works as written: its files are added to a copy of the package and its
commands run against that copy in a fresh interpreter."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "extending.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def install_snippets(root: Path) -> list[str]:
    """Copy src/divgan to root and apply every python block (new file or append); returns the paths."""
    shutil.copytree(REPO / "src" / "divgan", root / "divgan", ignore=shutil.ignore_patterns("__pycache__"))
    done = []
    for code in blocks("python"):
        first, body = code.split("\n", 1)
        m = re.fullmatch(r"# (file|append to) src/(divgan/\S+\.py)", first.strip())
        assert m, f"python block must start with '# file src/...' or '# append to src/...': {first!r}"
        path = root / m.group(2)
        if m.group(1) == "file":
            assert not path.exists(), f"{path} already exists: the example would overwrite a module"
            path.write_text(body)
        else:
            path.write_text(path.read_text() + "\n\n" + body)
        done.append(m.group(2))
    return done


@pytest.mark.slow
def test_extending_examples_run(tmp_path):
    src = tmp_path / "src"
    added = install_snippets(src)
    assert sorted(added) == ["divgan/data/line.py", "divgan/divergences.py", "divgan/models/sn_mlp.py", "divgan/tricks/weight_clip.py"]
    env = {**os.environ, "PYTHONPATH": str(src)}
    (cmds,) = blocks("bash")
    for line in cmds.strip().splitlines():
        argv = shlex.split(line)
        assert argv[0] == "divgan"
        r = subprocess.run([sys.executable, "-m", "divgan", *argv[1:], *(["--set", "train.progress=false"] if argv[1] == "train" else [])],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
    run = tmp_path / "runs" / "extended"
    config = (run / "config.yaml").read_text()
    assert "name: line" in config and "name: sn_mlp" in config and "half_pearson" in config and "c: 0.5" in config
    assert (run / "report.html").exists() and (run / "summary.json").exists()
    # the copy really was used (the installed package knows none of these names)
    probe = subprocess.run([sys.executable, "-c", "import divgan, divgan.data, divgan.models, divgan.tricks; "
                            "from divgan.divergences import DIVERGENCES; from divgan.tricks import TRICKS; "
                            "print(divgan.__file__, 'half_pearson' in DIVERGENCES, 'weight_clip' in TRICKS)"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert str(src) in probe.stdout and probe.stdout.split()[1:] == ["True", "True"]


def test_new_divergence_satisfies_the_catalogue_checks(tmp_path):
    """The divergence example is a correct f-divergence: f(1) = 0 and f* is the numerical sup."""
    code = next(c for c in blocks("python") if c.startswith("# append to src/divgan/divergences.py"))
    import torch

    from divgan import divergences as d

    ns = {"register": lambda cls: cls, "FDivergence": d.FDivergence}
    exec(code.split("\n", 1)[1], ns)
    div = ns["HalfPearson"]()
    assert float(div.f(torch.tensor(1.0))) == 0.0
    u = torch.linspace(-50, 50, 200001, dtype=torch.float64)
    for t in (-1.5, 0.0, 0.7, 2.0):
        assert float((u * t - div.f(u)).max()) == pytest.approx(float(div.conjugate(torch.tensor(t, dtype=torch.float64))), abs=1e-6)
