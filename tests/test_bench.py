"""bench/throughput.py and bench/scaling.py run end to end on tiny budgets and report every figure issue 9 asks for
(the numbers themselves are benchmarks, never asserted)."""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").is_dir(), reason="no ../shared/data")
def test_throughput_bench_reports_ratios_flops_peak_kernels_unrolled_memory():
    out = subprocess.run([sys.executable, str(REPO / "bench" / "throughput.py"), "--steps", "1", "--repeats", "1", "--unrolled", "1", "--peak-size", "256",
                          "--data-root", str(SHARED)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert re.search(r"matmul peak .* fp32 [\d.]+ GFLOP/s, bf16 [\d.]+ GFLOP/s", text)
    assert "allocator: steady (glibc keeps freed memory)" in text  # it re-ran itself with MALLOC_* set
    for model in ("MLP GAN", "DCGAN-28 (width 64)", "DCGAN-28 (width 32, preset mnist-dcgan)"):
        assert model in text
    assert len(re.findall(r"ratio divgan / reference: [\d.]+×   divgan reuse / reference: [\d.]+×", text)) == 3
    assert len(re.findall(r"[\d.]+ MFLOP/image", text)) == 11  # 3 variants, and stock image layers for DCGAN
    assert len(re.findall(r"sub-pixel image layers: the divgan reuse step is [\d.]+× as fast as with stock layers", text)) == 2
    assert len(re.findall(r"in convolution/GEMM kernels \(\d+%\)", text)) == 3
    assert re.search(r"k =  1: +[\d.]+× the k = 0 step", text)
    assert "peak RSS" in text and "USDT" not in out.stderr


def bench_module(name: str):
    """bench/NAME.py imported (its main runs in this process: no seconds of imports for a new one)."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_throughput_bench_without_data_is_one_clear_error(tmp_path, capsys):
    assert bench_module("throughput").main(["--data-root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "MNIST not found" in err


def test_channels_last_bench_times_every_layout_and_precision(capsys, monkeypatch):
    """bench/channels_last.py times all four variants."""
    monkeypatch.setattr(sys, "argv", ["channels_last.py", "--reps", "1", "--batch", "8", "--width", "8"])
    bench_module("channels_last").main()
    out = capsys.readouterr().out
    for layout in ("off", "on "):
        for prec in ("fp32", "bf16"):
            assert re.search(rf"channels_last={layout} {prec}: +[\d.]+ ms  speed-up ×[\d.]+", out), out


def test_reference_models_have_the_tutorials_layers_and_divgans_flop_count():
    """The reference runs PyTorch's own layers (no sub-pixel image layers; nn.Flatten/nn.Unflatten, which
    permute the features, so the same parameters give a different but identically distributed
    function) at divgan's FLOP count; swapping in the stock image layers keeps divgan's function."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from throughput import flops_per_step, image_layers, stock_image_layers, tutorial_layers
    finally:
        sys.path.pop(0)
    from divgan.models import build_discriminator, build_generator

    torch.manual_seed(0)
    G, D = build_generator({"name": "dcgan", "latent_dim": 8, "width": 4}, (1, 28, 28)), build_discriminator({"name": "dcgan", "width": 4}, (1, 28, 28))
    z = torch.randn(3, 8)
    x, feats = G(z), D.body(G(z))
    assert len(image_layers(G, D)) == 2
    with stock_image_layers(G, D):
        assert not image_layers(G, D)
        torch.testing.assert_close(G(z), x)
        torch.testing.assert_close(D.body(G(z)), feats)
    assert len(image_layers(G, D)) == 2  # restored
    divgan_flops = flops_per_step(lambda: D(G(z)).sum().backward(), G, D)
    tutorial_layers(G), tutorial_layers(D)
    assert not image_layers(G, D) and {torch.nn.Conv2d, torch.nn.Flatten} <= {type(m) for m in D.modules()}
    assert flops_per_step(lambda: D(G(z)).sum().backward()) == divgan_flops


def test_scaling_bench_runs_the_preset_on_1_and_2_ranks(tmp_path):
    """bench/scaling.py: the same toy run through torchrun with 1 and 2 gloo processes at one global batch."""
    out = subprocess.run([sys.executable, str(REPO / "bench" / "scaling.py"), "--preset", "ring", "--steps", "4",
                          "--global-batch", "32", "--nprocs", "1,2"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "divgan train ring: 4 steps at a global batch of 32" in out.stdout
    for n, per_rank in ((1, 32), (2, 16)):
        assert re.search(rf"N={n} +\( *{per_rank} images and \d+ thread\(s\) per rank\) +[\d.]+ s +\d+ img/s  speed-up ×[\d.]+ over N=1",
                         out.stdout), out.stdout
    assert not list(tmp_path.iterdir())  # the runs went to a temporary folder


def test_scaling_bench_bad_input_is_one_clear_error_line(tmp_path, capsys, monkeypatch):
    scaling = bench_module("scaling")
    assert scaling.main(["--nprocs", "1,3", "--global-batch", "64"]) == 2
    err = capsys.readouterr().err
    assert "must split evenly" in err and err.strip().count("\n") == 0
    # a failing rank (torchrun still runs it in its own process): SystemExit's message is the one stderr line
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        scaling.main(["--preset", "ring", "--steps", "2", "--global-batch", "8", "--set", "train.nokey=1"])
    msg = str(stop.value.code)
    assert msg.count("\n") == 0 and not list(tmp_path.iterdir())
    assert msg.startswith("scaling: 1 process(es) failed: divgan: error: config error: unknown key 'train.nokey'")


@pytest.mark.slow
def test_threads_bench_reports_default_against_fixed_counts():
    out = subprocess.run([sys.executable, str(REPO / "bench" / "threads.py"), "--presets", "digits-dcgan", "--states", "idle",
                          "--steps", "2", "--limit", "2", "--repeats", "1", "--threads", "2"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert re.search(r"digits-dcgan +idle +default: +[\d.]+ steps/s \(ended at \d threads\) +threads=2: +[\d.]+ "
                     r"+best/default: [\d.]+×", out.stdout)
    assert re.search(r"worst best/default: [\d.]+× \(target ≤ 1.3\)", out.stdout)


def test_fgan_ring_bench_prints_mean_se_and_per_seed_modes(tmp_path):
    """bench/fgan_ring.py: two divergences × two seeds at 3 steps; one line each with the mean ± s.e. of
    the per-seed modes it lists, and the JSON rows agree with the printed line."""
    import json

    js = tmp_path / "rows.json"
    out = subprocess.run([sys.executable, str(REPO / "bench" / "fgan_ring.py"), "--divergences", "kl,tv", "--seeds", "2",
                          "--steps", "3", "--json", str(js)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = json.loads(js.read_text())
    assert [(r["divergence"], r["seed"]) for r in rows] == [("kl", 0), ("kl", 1), ("tv", 0), ("tv", 1)]
    for div in ("kl", "tv"):
        modes = [r["modes"] for r in rows if r["divergence"] == div]
        m = sum(modes) / 2
        se = abs(modes[0] - modes[1]) / 2  # s.e. of two numbers: |a − b| / 2
        assert re.search(rf"^{div} +modes +{m:.1f} ± {se:.1f} .*per seed {modes[0]} {modes[1]} ", out.stdout, re.M), out.stdout
    bad = subprocess.run([sys.executable, str(REPO / "bench" / "fgan_ring.py"), "--divergences", "nope", "--seeds", "1", "--steps", "2"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "unknown divergence 'nope'" in bad.stderr


def test_fgan_ring_bench_resumes_from_its_results_file(tmp_path, capsys, monkeypatch):
    """--results: each run is appended with its settings; a second call with the same settings trains
    nothing and prints the same numbers and the Markdown table; a run with other settings (steps, --preset)
    is not reused."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("fgan_ring", REPO / "bench" / "fgan_ring.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    res = tmp_path / "runs.jsonl"
    argv = ["--divergences", "kl", "--seeds", "2", "--steps", "2", "--results", str(res)]
    assert bench.main(argv) == 0
    first = capsys.readouterr().out
    lines = res.read_text().splitlines()
    assert [json.loads(x)["seed"] for x in lines] == [0, 1]
    assert bench.main(argv + ["--markdown"]) == 0
    again = capsys.readouterr().out
    assert res.read_text().splitlines() == lines and "step=" not in again  # nothing trained
    assert [x for x in first.splitlines() if x.startswith("kl ")][0].split("(")[0] in again
    modes = [json.loads(x)["modes"] for x in lines]
    assert re.search(rf"^\\| kl \\| 0–1 \\| {modes[0]} {modes[1]} \\| {sum(modes) / 2:.1f} ± {abs(modes[0] - modes[1]) / 2:.1f} \\|",
                     again, re.M), again
    assert bench.main(["--divergences", "kl", "--seeds", "1", "--steps", "3", "--results", str(res)]) == 0
    assert len(res.read_text().splitlines()) == 3  # other settings (3 steps): a new run
    import divgan.api

    train, started = divgan.api.train, []
    monkeypatch.setattr(divgan.api, "train", lambda preset, **kw: started.append(preset) or train(preset, **kw))
    assert bench.main(["--divergences", "kl", "--seeds", "1", "--steps", "3", "--preset", "ring-fgan", "--results", str(res)]) == 0
    last = json.loads(res.read_text().splitlines()[-1])
    assert started == ["ring-fgan"] and last["settings"]["preset"] == "ring-fgan"  # another preset: a new run


def test_quality_bench_runs_every_check_and_flags_a_failed_claim(capsys, monkeypatch):
    """bench/quality.py (the mode-coverage claims over seeds that left the suite) on a smoke budget:
    every check runs and prints its verdict; a failing claim makes the exit code 1."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("quality", REPO / "bench" / "quality.py")
    quality = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quality)
    assert quality.main(["--steps", "2", "--seeds", "2"]) == 0  # a smoke budget never fails
    out = capsys.readouterr().out
    for name in ("default", "ring-long", "unrolled"):
        assert re.search(rf"^{name}: (OK|FAILED): .*\(smoke budget: not a verdict\)$", out, re.M), out
    assert len(re.findall(r"ring-long seed \d: \d/8 modes", out)) == 2
    monkeypatch.setitem(quality.CHECKS, "default", lambda seeds, steps: (False, "stub"))
    assert quality.main(["--checks", "default"]) == 1
    assert "default: FAILED: stub" in capsys.readouterr().out
    assert quality.main(["--checks", "nope"]) == 2
