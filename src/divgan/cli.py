"""The ``divgan`` command: subcommands are the registered classes of ``divgan.commands``."""
from __future__ import annotations

import argparse
import sys

from .errors import DivganError


def build_parser() -> argparse.ArgumentParser:
    from . import commands
    from .plugins import import_all

    import_all(commands.__name__, commands.__path__)
    parser = argparse.ArgumentParser(prog="divgan", description="GANs as learned divergences: train, sample, evaluate, explain.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, cls in commands.COMMANDS.items():
        p = sub.add_parser(name, help=cls.help, description=cls.help)
        cls.configure(p)
        p.set_defaults(handler=cls.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except DivganError as e:
        print(f"divgan: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("divgan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a path the user named cannot be written or read (disk full, permissions)
        where = f": {e.filename}" if e.filename else ""
        print(f"divgan: error: {e.strerror or e}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
