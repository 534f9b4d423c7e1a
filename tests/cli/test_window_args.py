"""The desktop app's short path through the arguments equals the full parser's answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skins_console.cli.parser import build_parser, parse_window_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--sandbox"],
        ["--selftest"],
        ["--data-dir", "d", "--sandbox"],
        ["--data-dir=d", "--profile", "shop", "-v", "--json"],
        ["--time-scale", "60", "--sandbox", "--verbose"],
        ["--profile", ""],
    ],
)
def test_window_arguments_equal_the_full_parsers(argv):
    short = parse_window_args(argv)
    assert short is not None
    assert vars(short) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["wallet"],
        ["--json", "wallet"],
        ["--sandbox", "orders", "list"],
        ["--help"],
        ["-h"],
        ["--version"],
        ["--ver"],  # ambiguous for the full parser (--verbose, --version)
        ["--sand"],  # an abbreviation: left to the full parser, which accepts it
        ["--data-dir"],  # the value is missing
        ["--time-scale", "fast"],
        ["--jsn"],
    ],
)
def test_anything_else_is_left_to_the_full_parser(argv):
    assert parse_window_args(argv) is None


def test_starting_the_window_does_not_build_the_command_parsers():
    code = (
        "import sys; from skins_console.cli.parser import parse_window_args; "
        "args = parse_window_args(['--sandbox', '--data-dir', 'd']); "
        "print(args.sandbox, args.data_dir, args.command, "
        "any(m.startswith('skins_console.cli.commands') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.split() == ["True", "d", "None", "False"], done.stderr
