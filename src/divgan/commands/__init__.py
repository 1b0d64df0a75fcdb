"""Subcommands of ``divgan``: one registered class per command, in one file each.

A command class has ``help`` (a line), ``configure(parser)`` to add its arguments and
``run(args) -> int`` (the exit code). Every module of this package is imported by the CLI."""
from __future__ import annotations

from ..registry import Registry

COMMANDS: Registry = Registry("command")


def command(name: str):
    return COMMANDS.register(name)


def add_config_args(p) -> None:
    """The config arguments shared by commands that build a run: CONFIG and --set."""
    p.add_argument("config", nargs="?", default=None, help="preset name or YAML file (default: ring)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, dotted keys (e.g. train.steps=500); repeatable")
