"""Drive the live page: a ``divgan train --live`` subprocess (its address read from stderr) and one
headless-Chromium tab on it (evaluate JS, click a button, screenshot an element). Used by
test_live_browser.py and bench/live_screenshots.py."""
from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import threading
import time

from browser_helpers import Browser

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class LiveRun:
    """``python -m divgan train ARGS --live 0`` with stderr collected in a thread; ``url`` once announced."""

    def __init__(self, *args: str, timeout: float = 120.0):
        self.proc = subprocess.Popen([sys.executable, "-m", "divgan", "train", *args, "--live", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **ONE_THREAD})
        self.err: list[str] = []
        self.out: list[str] = []
        for pipe, sink in ((self.proc.stderr, self.err), (self.proc.stdout, self.out)):
            threading.Thread(target=lambda p=pipe, s=sink: s.extend(iter(p.readline, "")), daemon=True).start()
        deadline = time.time() + timeout
        self.url = None
        while self.url is None:
            found = [m.group(0) for line in list(self.err) for m in [re.search(r"http://\S+", line)] if m]
            if found:
                self.url = found[0]
            elif self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the live run did not announce its page:\n" + "".join(self.err))
            else:
                time.sleep(0.1)

    def wait(self, timeout: float = 120.0) -> int:
        rc = self.proc.wait(timeout=timeout)
        time.sleep(0.2)  # the reader threads drain the pipes
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class LivePage:
    """One tab of ``browser`` on ``url``."""

    def __init__(self, browser: Browser, url: str, width: int = 1300, height: int = 1000):
        self.b = browser
        self.target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime"):
            browser.send(f"{domain}.enable", session=self.session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                             "mobile": False}, session=self.session)
        browser.send("Page.navigate", {"url": url}, session=self.session)
        browser.wait_event("Page.loadEventFired", self.session)

    def js(self, expr: str):
        reply = self.b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True}, session=self.session)
        return reply["result"].get("value")

    def text(self, element_id: str) -> str:
        return self.js(f"document.getElementById({element_id!r}).textContent")

    def step(self) -> int:
        t = self.text("step")
        return int(t) if t.isdigit() else -1

    def click(self, element_id: str) -> None:
        self.js(f"document.getElementById({element_id!r}).click()")

    def wait_for(self, cond, timeout: float = 60.0, what: str = "the page"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = cond()
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{what}: condition not met in {timeout:.0f} s")

    def screenshot(self, element_id: str | None = None) -> bytes:
        """A PNG of the element (or the whole page, laid out at full height)."""
        params: dict = {"format": "png", "captureBeyondViewport": True}
        if element_id:
            r = self.js(f"(() => {{const r = document.getElementById({element_id!r}).getBoundingClientRect();"
                        "return [r.left + scrollX, r.top + scrollY, r.width, r.height];})()")
            params["clip"] = {"x": r[0], "y": r[1], "width": r[2], "height": r[3], "scale": 1}
        else:
            h = self.js("document.documentElement.scrollHeight")
            params["clip"] = {"x": 0, "y": 0, "width": self.js("document.documentElement.scrollWidth"), "height": h, "scale": 1}
        return base64.b64decode(self.b.send("Page.captureScreenshot", params, session=self.session)["data"])

    def close(self) -> None:
        self.b.send("Target.closeTarget", {"targetId": self.target})
