"""The live page's web server: the standard library's ``ThreadingHTTPServer`` in a daemon thread.

Routes (GET): ``/`` the page; ``/static/<name>`` its script and style (from this package); ``/run/<path>``
a file of the run directory with a known small-file suffix (``.json``, ``.png``, ...; never a
checkpoint). Any path with a ``..``/``.`` segment, a hidden name or a backslash, after percent-decoding
(repeatedly, so ``%252e%252e`` is caught too), is refused with 403; a resolved path outside the run
directory (a symlink) likewise. POST ``/control/{pause,resume,stop}`` needs the server's token in the
``X-Divgan-Token`` header (403 without it) and writes ``live/control.json``, which the training loop
polls; 409 when the run is not running. Bound to 127.0.0.1 by default; on a loopback address the
``Host`` header must name it too (a DNS-rebinding page cannot read the run). See docs/live.md.
"""
from __future__ import annotations

import errno
import hmac
import json
import os
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import DivganError

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {"live.js": "text/javascript", "live.css": "text/css", "index.html": "text/html"}
RUN_TYPES = {".json": "application/json", ".jsonl": "application/json", ".png": "image/png", ".svg": "image/svg+xml",
             ".yaml": "text/plain", ".txt": "text/plain", ".html": "text/html"}
ACTIONS = ("pause", "resume", "stop")
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"


class Refused(Exception):
    """A request path that tries to leave the served folders."""


def clean_parts(url_path: str) -> list[str]:
    """The segments of a request path, percent-decoded until stable; ``Refused`` for traversal
    (``..``, ``.``), hidden names (temporary files), backslashes and NUL bytes."""
    path = urlsplit(url_path).path
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        raise Refused(url_path)
    if "\\" in path or "\0" in path:
        raise Refused(url_path)
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") for p in parts):  # "..", "." and hidden files
        raise Refused(url_path)
    return parts


def run_file(root: Path, parts: list[str]) -> Path | None:
    """The run's file for ``/run/<parts>``: inside ``root`` after resolving links, a served suffix."""
    if not parts or Path(parts[-1]).suffix not in RUN_TYPES:
        return None
    root = root.resolve()
    path = root.joinpath(*parts).resolve()
    if root not in path.parents:
        raise Refused("/".join(parts))
    return path if path.is_file() else None


def run_alive(run_path: Path) -> bool:
    """Whether the run's ``live/state.json`` says running/paused and its process exists."""
    try:
        state = json.loads((Path(run_path) / "live" / "state.json").read_text())
        if state.get("status") not in ("running", "paused"):
            return False
        os.kill(int(state["pid"]), 0)
        return True
    except PermissionError:
        return True  # the process exists (another user's)
    except (OSError, ValueError, KeyError, TypeError):
        return False


class _Handler(BaseHTTPRequestHandler):
    live: "LiveServer"
    server_version = "divgan-live"
    sys_version = ""

    def log_message(self, *args) -> None:  # quiet: the terminal belongs to the training run
        pass

    def _send(self, code: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code: int, obj: dict) -> None:
        self._send(code, json.dumps(obj).encode(), "application/json")

    def _host_ok(self) -> bool:
        if not self.live.loopback:
            return True
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in LOOPBACK

    def do_GET(self) -> None:
        if not self._host_ok():
            return self._send(403, b"forbidden host\n")
        try:
            parts = clean_parts(self.path)
            if not parts or parts == ["index.html"]:
                return self._send(200, _static("index.html"), STATIC["index.html"] + "; charset=utf-8")
            if parts[0] == "static" and len(parts) == 2 and parts[1] in STATIC:
                return self._send(200, _static(parts[1]), STATIC[parts[1]] + "; charset=utf-8")
            if parts[0] == "run":
                path = run_file(self.live.run_path, parts[1:])
                if path:
                    return self._send(200, path.read_bytes(), RUN_TYPES[path.suffix])
        except Refused:
            return self._send(403, b"forbidden\n")
        except OSError:
            pass  # a file replaced while reading: the page asks again
        self._send(404, b"not found\n")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._host_ok():
            return self._send(403, b"forbidden host\n")
        try:
            parts = clean_parts(self.path)
        except Refused:
            return self._send(403, b"forbidden\n")
        if len(parts) != 2 or parts[0] != "control" or parts[1] not in ACTIONS:
            return self._send(404, b"not found\n")
        token = self.headers.get("X-Divgan-Token") or ""
        if not hmac.compare_digest(token.encode(), self.live.token.encode()):
            return self._json(403, {"error": "missing or wrong token (it is printed with the page's address)"})
        if not run_alive(self.live.run_path):
            return self._json(409, {"error": "the run is not running"})
        write_control(self.live.run_path, parts[1])
        self._json(200, {"ok": True, "action": parts[1]})


def write_control(run_path: Path, action: str) -> None:
    """Deliver a pause/resume/stop to the training loop (it polls this file)."""
    live = Path(run_path) / "live"
    tmp = live / f".control.json.tmp-{os.getpid()}-{threading.get_ident()}"
    tmp.write_text(json.dumps({"action": action, "time": time.time()}))
    os.replace(tmp, live / "control.json")


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


class LiveServer:
    """Serve a run's live page. Binding happens in the constructor: a port in use raises a
    ``DivganError`` (one line) before any training starts. ``start()`` serves in a daemon thread."""

    def __init__(self, run_path: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.run_path, self.host = Path(run_path), host
        self.token = secrets.token_urlsafe(16)
        self.loopback = host in LOOPBACK
        handler = type("Handler", (_Handler,), {"live": self})
        try:
            self.httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise DivganError(f"live page: port {port} on {host} is in use; choose another port (0 = any free one)") from None
            raise DivganError(f"live page: cannot listen on {host}:{port} ({e.strerror or e})") from None
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/#token={self.token}"

    def start(self) -> "LiveServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.5}, name="divgan-live", daemon=True)
        self.thread.start()
        return self

    def announce(self, out) -> None:
        """Print the address (with the token) and, when shared beyond this machine, a warning."""
        if not self.loopback:
            print(f"warning: the live page listens on {self.host}, reachable from other machines; anyone with the token can pause or stop the run", file=out)
        print(f"live page: {self.url}", file=out, flush=True)

    def close(self) -> None:
        if self.thread:
            self.httpd.shutdown()
        self.httpd.server_close()
