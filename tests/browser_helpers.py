"""Render a local HTML page in headless Chromium and report broken images and console errors.

Talks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (fd 3: commands in, fd 4: replies
out, NUL-separated JSON), so it needs no websocket library and no network. Chromium comes from
Debian's ``chromium`` package; ``find_chromium(install=True)`` installs it when it is missing and the
process may (root with apt-get)."""
from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
         "--remote-debugging-pipe", "about:blank"]

BROKEN_IMAGES_JS = ("JSON.stringify({n: document.images.length, broken: Array.from(document.images)"
                    ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 80))})")


def find_chromium(install: bool = False) -> tuple[str | None, str]:
    """(path to chromium, why not) — optionally ``apt-get install chromium`` first."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path, ""
    if not install:
        return None, "chromium is not installed"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "chromium is not installed and this user cannot apt-get install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        try:
            subprocess.run(cmd, env=env, capture_output=True, timeout=900)
        except subprocess.TimeoutExpired:
            return None, f"{' '.join(cmd)} timed out"
        if shutil.which("chromium"):
            return shutil.which("chromium"), ""
    return None, "apt-get install chromium failed (no package source reachable?)"


class Browser:
    """One headless Chromium process driven over the DevTools pipe."""

    def __init__(self, chromium: str, timeout: float = 60.0):
        self.timeout = timeout
        cmd_r, cmd_w = os.pipe()  # we write commands, chromium reads them on fd 3
        out_r, out_w = os.pipe()  # chromium writes replies on fd 4
        hi_r, hi_w = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 100), fcntl.fcntl(out_w, fcntl.F_DUPFD, 100)

        def child_fds():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.profile = tempfile.mkdtemp(prefix="divgan-chromium-")
        self.proc = subprocess.Popen([chromium, *FLAGS[:-1], f"--user-data-dir={self.profile}", FLAGS[-1]],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=child_fds, pass_fds=(3, 4, hi_r, hi_w))
        for fd in (cmd_r, out_w, hi_r, hi_w):
            os.close(fd)
        self.w, self.r = cmd_w, out_r
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> dict:
        deadline = time.time() + self.timeout
        for i, ev in enumerate(self.events):
            if ev.get("method") == method and ev.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            ev = self._read(deadline)
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev
            self.events.append(ev)

    def check_page(self, path: Path) -> dict:
        """Load ``path``; returns {"images": n, "broken": [...], "errors": [...]} (console errors,
        uncaught exceptions, failed loads logged by the browser)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.events.clear()
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
        self.wait_event("Page.loadEventFired", session)
        result = self.send("Runtime.evaluate", {"expression": BROKEN_IMAGES_JS, "returnByValue": True}, session=session)
        found = json.loads(result["result"]["value"])
        errors = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        self.send("Target.closeTarget", {"targetId": target})
        return {"images": found["n"], "broken": found["broken"], "errors": errors}

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.w, self.r):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
