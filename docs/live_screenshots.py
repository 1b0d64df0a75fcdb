"""Screenshots of the live page for the README: a ring run and an MNIST DCGAN run, each trained with
``--live`` for a while, paused, photographed in headless Chromium, then stopped.

    python docs/live_screenshots.py [--out docs/gallery] [--data-root ../shared/data]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_helpers import Browser, find_chromium  # noqa: E402
from live_helpers import LivePage, LiveRun  # noqa: E402


def shoot(browser, name: str, args: list[str], until_step: int, out: Path) -> None:
    run = LiveRun(*args, timeout=900)
    try:
        page = LivePage(browser, run.url)
        page.wait_for(lambda: page.step() >= until_step, timeout=900, what=f"{name} step {until_step}")
        page.click("pause")
        page.wait_for(lambda: page.text("status") == "paused", what="pause")
        time.sleep(1.5)  # the last figure drawn
        path = out / f"live-{name}.png"
        path.write_bytes(page.screenshot())
        print(f"{path} (step {page.step()})")
        page.click("stop")
        run.wait()
    finally:
        run.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/gallery")
    ap.add_argument("--data-root", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--only", choices=("ring", "mnist"))
    args = ap.parse_args()
    out = Path(args.out)
    one = ["--set", "train.threads=1", "--set", "train.progress=false"]
    with tempfile.TemporaryDirectory() as tmp, Browser(find_chromium(install=True)[0]) as browser:
        if args.only in (None, "ring"):
            shoot(browser, "ring", ["ring", "--out", f"{tmp}/ring", *one], 1200, out)
        if args.only in (None, "mnist"):
            shoot(browser, "mnist", ["mnist-dcgan", "--out", f"{tmp}/mnist", *one, "--set", f"data.root={args.data_root}",
                                     "--set", "data.download=false"], 600, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
