"""``divgan compare``: config differences, final metrics, overlaid curves as text, figure and page."""
from __future__ import annotations

from PIL import Image

from divgan.cli import main
from divgan.commands import compare


def test_compare_two_runs(ring_pair, tmp_path, capsys):
    a, b = ring_pair
    assert main(["compare", str(a.path), str(b.path), "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    # only what differs is listed, with each run's value
    diff = lines[lines.index("config: what differs") + 3: lines.index("")]
    assert sorted(line.split()[0] for line in diff) == ["optim.lr_g", "seed"]
    assert any(line.split() == ["optim.lr_g", "0.001", "0.0005"] for line in diff)
    modes = next(line for line in lines if line.startswith("modes "))
    assert modes.split()[1:] == [str(a.summary["final"]["modes"]), str(b.summary["final"]["modes"])]
    img = Image.open(tmp_path / "cmp" / "compare.png")
    assert img.size[0] > 300
    page = (tmp_path / "cmp" / "index.html").read_text()
    assert "optim.lr_g" in page and page.count("<svg") == len(compare.curve_keys([compare.load_run(a.path)]))
    assert str(a.path) in page and str(b.path) in page


def test_compare_helpers_and_errors(tmp_path, capsys):
    assert compare.flatten({"a": {"b": 1, "c": [1, 2]}, "d": {}}) == {"a.b": 1, "a.c": [1, 2], "d": {}}
    runs = [{"config": {"x": 1, "y": 2, "description": "p"}}, {"config": {"x": 1, "y": 3, "z": 0, "description": "q"}}]
    assert compare.differences(runs) == {"y": [2, 3], "z": ["–", 0]}
    assert compare.labels([tmp_path / "p" / "run", tmp_path / "q" / "run", tmp_path / "other"]) == ["p/run", "q/run", "other"]
    assert main(["compare", str(tmp_path / "missing"), "--no-files"]) == 2
    assert "run directory not found" in capsys.readouterr().err
