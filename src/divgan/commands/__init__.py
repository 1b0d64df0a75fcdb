"""Subcommands of ``divgan``: one registered class per command, in one file each.

A command class has ``help`` (a line), ``configure(parser)`` to add its arguments and
``run(args) -> int`` (the exit code). Every module of this package is imported by the CLI."""
from __future__ import annotations

from ..registry import Registry

COMMANDS: Registry = Registry("command")


def command(name: str):
    return COMMANDS.register(name)


def add_config_args(p, default: str = "ring") -> None:
    """The config arguments shared by commands that build a run: CONFIG (``default`` names what is used
    without it, for the help text) and --set."""
    p.add_argument("config", nargs="?", default=None, help=f"preset name or YAML file (default: {default})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, dotted keys (e.g. train.steps=500); repeatable; "
                        "`divgan config [PRESET]` lists every key with what it accepts")


def add_run_args(p) -> None:
    """The arguments shared by commands that read a trained run: RUN_DIR, --seed, --best."""
    p.add_argument("run_dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--best", action="store_true", help="use the best checkpoint instead of the latest")
    add_fallback_arg(p)


def add_fallback_arg(p) -> None:
    p.add_argument("--fallback", action="store_true",
                   help="if the newest checkpoint is damaged, use the newest usable older one (said in one line; no file is changed)")


def run_trainer(args, kind: str | None = None):
    """The trainer restored from ``args.run_dir`` (best or latest); ``kind`` insists on "image" or "toy"."""
    from ..api import load_trainer
    from ..errors import DivganError

    trainer = load_trainer(args.run_dir, "best" if args.best else "latest", fallback=getattr(args, "fallback", False))
    if kind and trainer.data.kind != kind:
        raise DivganError(f"{args.run_dir} is a {trainer.data.kind} run; this command needs an {kind} run")
    return trainer


def build_parser():
    import argparse

    from ..plugins import import_all

    import_all(__name__, __path__)
    parser = argparse.ArgumentParser(prog="divgan", description="GANs as learned divergences: train, sample, evaluate, explain.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, cls in COMMANDS.items():
        p = sub.add_parser(name, help=cls.help, description=cls.help)
        cls.configure(p)
        p.set_defaults(handler=cls.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``divgan ARGV``: the exit code (DivganError -> one line on stderr and 2)."""
    import sys

    from ..errors import DivganError

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
