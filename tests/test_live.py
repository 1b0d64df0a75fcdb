"""The live page's server and publisher: traversal refused (raw and encoded), control needs the token,
a port in use is one line, the publisher writes at a bounded rate and obeys pause / resume / stop."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time

import pytest
import torch

from divgan.cli import main
from divgan.config import load_config
from divgan.live import LiveServer, Publisher
from divgan.live.publisher import MAX_POINTS, Curve
from divgan.live.server import Refused, clean_parts
from divgan.train.rundir import RunDir
from divgan.run.callbacks import Callback
from divgan.run.driver import Driver
from divgan.train.trainer import Trainer

torch.set_num_threads(1)
SMALL = ["generator.hidden=[16,16]", "discriminator.hidden=[16,16]", "train.batch_size=32", "train.threads=1",
         "train.progress=false", "train.steps=5"]
TRAVERSALS = ["/../config.yaml", "/run/../secret.yaml", "/run/%2e%2e/secret.yaml", "/run/%2E%2E/secret.yaml",
              "/run/.%2e/secret.yaml", "/run/%252e%252e/secret.yaml", "/run/..%2fsecret.yaml", "/run/live/..%2f..%2fsecret.yaml",
              "/run/..%5csecret.yaml", "/static/../../secret.yaml", "/run/%2e%2e%2f%2e%2e%2fsecret.yaml", "/run/live/.state.json.tmp-1"]


@pytest.fixture
def served(tmp_path):
    """A run folder with a live state of this (running) process, a secret beside it, and its server."""
    run = tmp_path / "run"
    (run / "live").mkdir(parents=True)
    (run / "config.yaml").write_text("seed: 0\n")
    (tmp_path / "secret.yaml").write_text("password: hunter2\n")
    (run / "live" / "state.json").write_text(json.dumps({"status": "running", "pid": os.getpid()}))
    server = LiveServer(run, port=0).start()
    yield server
    server.close()


def request(server, method: str, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, headers=headers or {})  # sent as written: no client-side normalisation
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_refused(served, path):
    status, body = request(served, "GET", path)
    assert status == 403 and b"hunter2" not in body
    with pytest.raises(Refused):
        clean_parts(path)


def test_serves_the_page_and_the_runs_small_files_only(served, tmp_path):
    assert request(served, "GET", "/")[0] == 200 and b"live.js" in request(served, "GET", "/")[1]
    assert request(served, "GET", "/static/live.js")[0] == 200
    assert request(served, "GET", "/run/config.yaml") == (200, b"seed: 0\n")
    (served.run_path / "checkpoints").mkdir()
    (served.run_path / "checkpoints" / "step_0.pt").write_bytes(b"weights")
    assert request(served, "GET", "/run/checkpoints/step_0.pt")[0] == 404  # not a served suffix
    os.symlink(tmp_path / "secret.yaml", served.run_path / "link.yaml")  # a link out of the run
    status, body = request(served, "GET", "/run/link.yaml")
    assert status == 403 and b"hunter2" not in body
    assert request(served, "GET", "/static/server.py")[0] == 404
    assert request(served, "GET", "/", {"Host": "evil.example:80"})[0] == 403  # DNS rebinding


def test_control_needs_the_token(served):
    control = served.run_path / "live" / "control.json"
    for headers in ({}, {"X-Divgan-Token": "wrong"}, {"X-Divgan-Token": served.token[:-1]}):
        status, body = request(served, "POST", "/control/stop", headers)
        assert status == 403 and b"token" in body
        assert not control.exists()
    assert request(served, "POST", "/control/stop?token=" + served.token)[0] == 403  # the header, not the URL
    assert request(served, "POST", "/control/explode", {"X-Divgan-Token": served.token})[0] == 404
    status, _ = request(served, "POST", "/control/pause", {"X-Divgan-Token": served.token})
    assert status == 200 and json.loads(control.read_text())["action"] == "pause"
    (served.run_path / "live" / "state.json").write_text(json.dumps({"status": "finished", "pid": os.getpid()}))
    assert request(served, "POST", "/control/resume", {"X-Divgan-Token": served.token})[0] == 409


@pytest.fixture
def busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def test_port_in_use_is_one_line(tmp_path, busy_port, capsys):
    RunDir.create(tmp_path / "done", "seed: 0\n")
    assert main(["watch", str(tmp_path / "done"), "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"port {busy_port}" in err and "in use" in err
    assert main(["train", "--out", str(tmp_path / "new"), "--live", str(busy_port), *sum((["--set", s] for s in SMALL), [])]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "in use" in err
    assert not (tmp_path / "new").exists()  # refused before any work


def test_bad_config_with_live_is_still_one_line(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "bad"), "--live", "0", "--set", "train.steps=-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "train.steps" in err and not (tmp_path / "bad").exists()


def test_curve_keeps_bucket_means():
    c = Curve()
    c.update([float(i) for i in range(1000)])
    assert len(c.ys) < MAX_POINTS and c.size == 4  # 1000 values: buckets of 4 (250 points)
    assert c.ys[0] == pytest.approx(1.5) and c.xs[0] == 4
    c.update([float(i) for i in range(1004)])  # the whole history: only the new values are read
    assert c.ys[-1] == pytest.approx(1001.5) and c.seen == 1004
    c.update([1.0, 2.0])  # a rollback shortened the history: start over
    assert c.ys == [1.0, 2.0] and c.size == 1 and c.seen == 2


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def driver_of(cfg, path):
    """A run driver (no callbacks) around a fresh core, with a run directory: what the publisher sees."""
    return Driver(Trainer(cfg, log=lambda m: None), RunDir.create(path, cfg.to_yaml()))


@pytest.fixture
def driver(tmp_path):
    return driver_of(load_config("ring-vanilla", SMALL), tmp_path / "run")


def test_publisher_writes_at_a_bounded_rate(driver):
    clock = FakeClock()
    pub = Publisher(driver.run.path, interval=0.5, clock=clock, cpu_clock=clock)  # CPU = wall: within budget
    for _ in range(300):  # 3 simulated seconds of 10 ms steps
        driver.core.step += 1
        pub.on_step(driver)
        clock.t += 0.01
    assert 6 <= pub.writes <= 7  # at most one write per 0.5 s (the first at step 1)
    state = json.loads((driver.run.path / "live" / "state.json").read_text())
    assert state["status"] == "running" and state["step"] == 251 and state["steps_per_s"] == pytest.approx(100, rel=0.01)
    pts = json.loads((driver.run.path / "live" / "points.json").read_text())
    assert len(pts["d"]["values"]) == pts["d"]["n"] ** 2 and all(0 <= v <= 1 for v in pts["d"]["values"])
    assert len(pts["fake"]) == len(pts["real"]) == 1000 and len(pts["noise_grid"]["points"]) == 2 * pts["noise_grid"]["n"] ** 2
    assert len(pts["means"]) == 16  # the 8 ring modes
    before = pub.writes
    pub.on_evaluate(driver, {}, None)  # every evaluation publishes, whatever the clock says
    assert pub.writes == before + 1
    assert not [p for p in (driver.run.path / "live").iterdir() if p.name.startswith(".")]  # no temporary left


def test_toy_panels_draw_z_through_the_generators_prior(tmp_path, monkeypatch):
    """A generator with an InfoGAN code gets one-hot code blocks (not N(0, I) over the whole of z); the
    noise-grid panel holds one code fixed and sweeps the first two noise dimensions."""
    from divgan.live.publisher import toy_points

    trainer = driver_of(load_config("ring-infogan", SMALL), tmp_path / "run").core
    asked, sample = [], trainer.sample
    monkeypatch.setattr(trainer, "sample", lambda n, z=None, **kw: asked.append(z) or sample(n, z=z, **kw))
    toy_points(trainer)
    noise_dim = trainer.G.codes.noise_dim
    for z in asked:
        code = z[:, noise_dim:]
        assert code.shape[1] == 8 and torch.equal(code.sum(1), torch.ones(len(z))) and set(code.unique().tolist()) == {0.0, 1.0}
    fake, grid = asked
    assert fake[:, :noise_dim].std() > 0.5 and len(fake[:, noise_dim:].argmax(1).unique()) > 1
    assert (grid[:, noise_dim:] == grid[:1, noise_dim:]).all() and grid[:, 0].unique().numel() == 15


def test_publisher_keeps_to_its_cpu_budget(driver):
    clock, cpu = FakeClock(), FakeClock()

    def cpu_clock():  # each publish costs 10 ms of CPU, a step 1 ms
        return cpu.t

    pub = Publisher(driver.run.path, interval=0.5, cpu_share=0.01, clock=clock, cpu_clock=cpu_clock)
    real_state = pub.state

    def costly(*a, **k):  # inside publish, where its cost is measured
        cpu.t += 0.010
        return real_state(*a, **k)

    pub.state = costly
    for _ in range(2000):  # 20 s of wall time (a busy machine), 2 s of CPU in steps
        driver.core.step += 1
        pub.on_step(driver)
        clock.t += 0.01
        cpu.t += 0.001
    assert pub.cpu_spent == pytest.approx(0.010 * pub.writes)
    assert pub.cpu_spent <= 0.01 * 2.0 + 0.010 + 1e-9  # 1% of the CPU, overshooting by one publish at most
    assert pub.writes >= 2  # and still updating


def test_publisher_obeys_pause_resume_and_stop(driver):
    pub = Publisher(driver.run.path)
    pub.on_step(driver)
    control = driver.run.path / "live" / "control.json"
    assert json.loads(control.read_text())["action"] == "resume"  # reset when a run starts
    from divgan.live.server import write_control

    write_control(driver.run.path, "pause")
    threading.Timer(0.6, write_control, (driver.run.path, "resume")).start()
    t0 = time.monotonic()
    pub._next_poll = 0.0
    pub.on_step(driver)  # blocks while paused
    assert time.monotonic() - t0 >= 0.5 and not pub.paused
    assert driver.core.stop_signal is None
    write_control(driver.run.path, "stop")
    pub._next_poll = 0.0
    pub.on_step(driver)
    assert driver.core.stop_signal == signal.SIGINT and pub.stopped_by_page


def test_train_with_live_stops_from_the_page_and_checkpoints(tmp_path):
    """In-process: --live's publisher, a stop written to control.json, a checkpoint at the stop step."""
    import divgan
    from divgan.live.server import write_control

    pub = Publisher(tmp_path / "run")

    class StopAt(Callback):
        def on_step(self, driver):
            if driver.core.step == 3:
                write_control(driver.run.path, "stop")
                pub._next_poll = 0.0

    run = divgan.train("ring-vanilla", out=tmp_path / "run", overrides=[*SMALL, "train.steps=50"], log=lambda m: None,
                       callbacks=[StopAt(), pub])
    assert run.summary["interrupted"] and run.summary["step"] == 4  # the step in progress finishes
    assert (tmp_path / "run" / "checkpoints" / "step_00000004.pt").is_file()


def test_publisher_writes_the_image_grid(tmp_path):
    cfg = load_config("digits-dcgan", ["generator.width=8", "discriminator.width=8", "train.batch_size=8", "eval.grid_size=4",
                                       "train.threads=1", "train.progress=false"])
    driver = driver_of(cfg, tmp_path / "run")
    pub = Publisher(driver.run.path)
    pub.on_step(driver)
    png = (driver.run.path / "live" / "grid.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 2 * 16 + 3 * 2  # 2×2 grid of 16 px + padding
    state = json.loads((driver.run.path / "live" / "state.json").read_text())
    assert state["figure"] == "grid" and state["figure_seq"] == 1 and state["kind"] == "image"


def test_watch_serves_a_finished_run(tiny_run, capsys, monkeypatch):
    from divgan.commands import watch

    got = {}

    def serve_a_request_then_ctrl_c(_seconds):  # the command's wait, replaced: the server is up now
        line = capsys.readouterr().out.splitlines()[0]
        got["line"] = line
        port = int(line.split(":")[3].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/run/config.yaml")
        got["body"] = conn.getresponse().read()
        raise KeyboardInterrupt

    monkeypatch.setattr(watch.time, "sleep", serve_a_request_then_ctrl_c)
    assert main(["watch", str(tiny_run), "--port", "0"]) == 0
    assert got["line"].startswith("live page: http://127.0.0.1:") and "#token=" in got["line"]
    assert got["body"] == (tiny_run / "config.yaml").read_bytes()
