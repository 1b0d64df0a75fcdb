"""The ``divgan`` command: subcommands are the registered classes of ``divgan.commands``."""
from __future__ import annotations

import sys

from .commands import build_parser, main  # noqa: F401

if __name__ == "__main__":
    sys.exit(main())
