"""The layering of ``src/divgan``, read from its source with ``ast`` (nothing is imported), and what
importing it loads (in a fresh interpreter):

* no import cycle between the units of the package (a subpackage such as ``divgan.train`` or a
  top-level module such as ``divgan.api``), counting imports inside functions too;
* library code never imports ``divgan.commands`` or ``divgan.cli`` (only ``cli``, ``__main__`` and
  the commands themselves may);
* importing divgan does not load torchvision or torch-fidelity.
"""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "divgan"
FRONT = {"divgan.commands", "divgan.cli", "divgan.__main__"}  # the command-line layer


def _module(path: Path) -> tuple[str, str]:
    """(dotted module name, the package its relative imports start from)."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), ".".join(parts[:-1])
    return ".".join(parts), ".".join(parts[:-1])


def _unit(name: str) -> str:
    return ".".join(name.split(".")[:2])


def _exists(unit: str) -> bool:
    leaf = unit.split(".")[1]
    return (SRC / leaf).is_dir() or (SRC / f"{leaf}.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every ``divgan.*`` module or name a file imports (relative imports resolved)."""
    _, package = _module(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > len(package.split(".")):
                    found.add(f"divgan.<beyond the top: line {node.lineno}>")
                    continue
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found |= {mod} | {f"{mod}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("divgan.")}


def unit_graph() -> dict[str, dict[str, list[str]]]:
    """{unit: {imported unit: [modules of the unit that import it]}} between distinct units."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        name, _ = _module(path)
        if name == "divgan":
            continue  # the package root re-exports the API; nothing inside imports it
        for target in imports_of(path):
            a, b = _unit(name), _unit(target)
            if a != b and b != "divgan" and _exists(b):
                graph.setdefault(a, {}).setdefault(b, []).append(name)
    return graph


def find_cycle(graph: dict[str, dict]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, {})):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state and (c := visit(v)):
                return c
        state[u] = 2
        stack.pop()
        return None

    for u in sorted(graph):
        if u not in state and (c := visit(u)):
            return c
    return None


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {"c": []}}) is None


def test_relative_imports_resolve(tmp_path):
    """``from ..x import y`` in divgan/viz/report.py is divgan.x (and divgan.x.y)."""
    assert {"divgan.train.rundir", "divgan.train.rundir.RunDir"} <= imports_of(SRC / "viz" / "report.py")


def test_every_relative_import_stays_inside_the_package():
    bad = [f"{p.relative_to(SRC.parent)}: {m}" for p in SRC.rglob("*.py") for m in imports_of(p) if "<beyond" in m]
    assert not bad, bad


def test_no_import_cycle_between_units():
    graph = unit_graph()
    cycle = find_cycle(graph)
    if cycle:
        where = "; ".join(f"{a} -> {b} (in {', '.join(sorted(set(graph[a][b])))})" for a, b in zip(cycle, cycle[1:]))
        raise AssertionError(f"import cycle: {' -> '.join(cycle)}: {where}")


def test_library_code_never_imports_the_command_line():
    bad = [f"{src} imports {dst}" for unit, targets in unit_graph().items() if unit not in FRONT
           for dst, srcs in targets.items() if dst in FRONT for src in srcs]
    assert not bad, bad


def test_starting_divgan_does_not_import_torchvision_or_torch_fidelity():
    """torch-fidelity imports every torchvision model and torch._dynamo (~2 s of each command's start):
    importing divgan's command line, trainer, driver and metrics loads none of them; a grid or a feature
    metric imports them when it is drawn or computed. (A training run still loads torch._dynamo: torch's
    optimizers import it when they are built.)"""
    import subprocess
    import sys

    code = ("import sys, divgan.api, divgan.cli, divgan.train.trainer, divgan.run.driver, divgan.metrics; "
            "print(sorted(m for m in ('torchvision', 'torch_fidelity', 'torch._dynamo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
