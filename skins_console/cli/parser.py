"""The argument parser: the program's own options, the global options every command
accepts before or after its name, and the command groups of ``cli/commands/``."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from skins_console import APP_NAME, __version__
from skins_console.cli.exit_codes import EPILOG

#: ``add_subparsers()``' return value, which argparse does not name publicly.
Commands = Any


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than zero")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--data-dir``, ``--profile``, ``--json``, ``-v`` (and the hidden ``--time-scale``).

    The top-level parser holds their defaults. Every command's parser accepts them too,
    with no default of its own (``SUPPRESS``): argparse copies a subcommand's values over
    the top level's, so only an option actually given after the command may land there.
    """

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default(None),
        help="keep every file (database, settings, logs) under DIR",
    )
    group.add_argument(
        "--profile", metavar="NAME", default=default(None), help="use this profile for this run"
    )
    group.add_argument(
        "--json", action="store_true", default=default(False), help="print one JSON document"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="debug logging to the log folder (secrets are never logged)",
    )
    # Against a fast sandbox (--speed N) polling intervals shrink by 1/N; hidden because an
    # operator has no use for it.
    group.add_argument("--time-scale", type=float, default=default(None), help=argparse.SUPPRESS)


def add_command(commands: Commands, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A command (or an action of a command group) that takes the global options."""
    parser: argparse.ArgumentParser = commands.add_parser(name, **kwargs)
    add_global_options(parser, top=False)
    return parser


def add_actions(
    parser: argparse.ArgumentParser, dest: str, metavar: str = "ACTION", **kwargs: Any
) -> Commands:
    """The actions of a command group (``order create``, ``order show`` …)."""
    return parser.add_subparsers(dest=dest, metavar=metavar, required=True, **kwargs)


class _NotOnlyTheWindow(Exception):
    pass


class _WindowArgsParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotOnlyTheWindow(message)


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """The top-level options: the desktop app's (demo mode, its clock, the selftest) and the
    global ones. Both parsers declare them through here."""
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start the desktop app in demo mode on a local sandbox",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="N",
        help="with --sandbox: run the demo clock N times faster (default: real time)",
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check the installation (packaging smoke test) and exit",
    )
    add_global_options(parser, top=True)


def parse_window_args(argv: list[str]) -> argparse.Namespace | None:
    """The arguments when they only start the desktop app (no command, no help), else None.

    The full parser imports every command module and declares a few hundred arguments:
    15-20 ms of CPU on the desktop app's path to its first paint, for options it never reads.
    This parser knows only the top-level options, without abbreviations; anything else
    (a command, ``--help``, ``--version``, a typo, a missing value) is left to
    ``build_parser()``, which gives the same answer or the usual error.
    """
    if "-h" in argv or "--help" in argv:
        return None
    parser = _WindowArgsParser(prog="skins-console", add_help=False, allow_abbrev=False)
    add_app_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotOnlyTheWindow:
        return None
    if rest:
        return None
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    from skins_console.cli.commands import GROUPS

    parser = argparse.ArgumentParser(
        prog="skins-console",
        description=f"{APP_NAME}: sell on SkinsNode and buy through Skinslink. Without a "
        "command, the desktop app starts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_app_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser
