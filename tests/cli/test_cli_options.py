"""Global options before or after any command, and the one renderer (text and JSON)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from skins_console.cli.exit_codes import EXIT_OK, EXIT_PENDING, EXIT_PROVIDER
from skins_console.cli.output import Fields, Line, Renderer, Report, Table, outcome_notes
from skins_console.cli.parser import build_parser
from tests.cli.conftest import PLACEHOLDER_PROVIDERS, ROOT

URL = "https://steamcommunity.com/tradeoffer/new/?partner=31337&token=Ok12-_ab"

#: Every leaf command with the least it needs to parse (the command words come first).
COMMANDS = {
    ("profile", "add"): ["p", *PLACEHOLDER_PROVIDERS],
    ("profile", "list"): [],
    ("profile", "set"): ["p", "--operator", "bob", "--password"],
    ("profile", "use"): ["p"],
    ("profile", "remove"): ["p"],
    ("profile", "test"): [],
    ("health",): [],
    ("wallet",): [],
    ("catalog",): ["--search", "ak"],
    ("order", "create"): ["--item", "x", "--trade-url", URL],
    ("order", "show"): ["sc-1"],
    ("orders", "list"): ["--open"],
    ("orders", "sync"): ["--watch"],
    ("buyers", "list"): [],
    ("buyer", "show"): ["76561197964507995"],
    ("buyer", "name"): ["76561197964507995", "Dana"],
    ("attention", "list"): [],
    ("attention", "resolve"): ["sc-1", "--note", "refunded"],
    ("quote",): ["AK-47 | Redline (Field-Tested)"],
    ("deposit", "create"): ["--quote", "1", "--trade-url", URL, "--item", "AK=1"],
    ("deposit", "show"): ["tx-1"],
    ("deposits", "list"): [],
    ("report",): ["--period", "week"],
    ("export", "orders"): ["--csv", "o.csv"],
    ("export", "deposits"): ["--csv", "d.csv"],
    ("sandbox", "serve"): ["--port", "0"],
    ("webhooks", "serve"): ["--port", "0"],
    ("serve",): ["--webhooks-port", "0"],
    ("database", "migrate"): ["--yes"],
    ("database", "import-local"): ["--from", "/tmp/old"],
    ("notify", "add", "telegram"): ["--chat-id", "42"],
    ("notify", "add", "discord"): [],
    ("notify", "list"): [],
    ("notify", "remove"): ["discord"],
    ("notify", "test"): [],
}

#: (the option as typed, the attribute it sets, the value it sets, its default)
GLOBAL_OPTIONS = [
    (["--data-dir", "/tmp/d"], "data_dir", "/tmp/d", None),
    (["--profile", "shop"], "profile", "shop", None),
    (["--json"], "json", True, False),
    (["-v"], "verbose", True, False),
    (["--verbose"], "verbose", True, False),
    (["--time-scale", "0.5"], "time_scale", 0.5, None),
]


def _leaf_parsers(parser: argparse.ArgumentParser, words=()):
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        yield words, parser
        return
    for name, sub in actions[0].choices.items():
        yield from _leaf_parsers(sub, (*words, name))


def test_every_command_is_in_the_table_and_takes_the_global_options():
    parser = build_parser()
    leaves = dict(_leaf_parsers(parser))
    assert set(leaves) == set(COMMANDS)
    for words, leaf in leaves.items():
        for option in ("--data-dir", "--profile", "--json", "-v", "--verbose"):
            assert option in leaf._option_string_actions, (words, option)


@pytest.mark.parametrize("words", list(COMMANDS), ids=" ".join)
@pytest.mark.parametrize("option, dest, value, default", GLOBAL_OPTIONS, ids=lambda o: str(o))
def test_global_option_before_between_and_after_the_command(words, option, dest, value, default):
    parser = build_parser()
    rest = COMMANDS[words]
    placements = {
        "absent": [*words, *rest],
        "before": [*option, *words, *rest],
        "after": [*words, *rest, *option],
        # between the group and its action: `order --json create …`
        "between": [words[0], *option, *words[1:], *rest],
    }
    for where, argv in placements.items():
        args = parser.parse_args(argv)
        expected = default if where == "absent" else value
        assert getattr(args, dest) == expected, (where, argv)
        assert args.command == words[0]


def test_an_option_after_the_command_overrides_one_before_it():
    args = build_parser().parse_args(["--profile", "a", "--json", "wallet", "--profile", "b"])
    assert (args.profile, args.json) == ("b", True)


def test_without_a_command_the_global_options_still_parse():
    args = build_parser().parse_args(["--data-dir", "d", "--sandbox"])
    assert (args.command, args.data_dir, args.sandbox, args.json) == (None, "d", True, False)


def test_unknown_options_are_still_usage_errors(capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["wallet", "--jsn-typo"])
    assert info.value.code == 2
    assert "unrecognized arguments: --jsn-typo" in capsys.readouterr().err


# --- the renderer ----------------------------------------------------------------------

NAME = "Sticker | Team [Holo] (Foil)"


def _report(code: int = EXIT_OK) -> Report:
    return Report(
        {"items": [{"name": NAME, "price_cents": 1234}], "total": 1},
        [
            Fields([("Available", "$12.34"), ("As of", "2026-01-01 10:00:00")]),
            Table(["Item", "Price"], [[NAME, "$12.34"]], title="Items"),
            Line("1 shown"),
        ],
        exit_code=code,
        notes=["warning: a remark"],
    )


def test_text_mode_prints_fields_tables_and_lines_and_notes_on_stderr(capsys):
    code = Renderer(as_json=False).render(_report())
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert "Available  $12.34" in out and "As of      2026-01-01 10:00:00" in out
    # the table: its title, header and the name exactly as it is (brackets are not markup)
    assert "Items" in out and "Price" in out and NAME in out and "1 shown" in out
    assert "{" not in out
    assert err.strip() == "warning: a remark"


def test_json_mode_prints_one_document_and_nothing_else(capsys):
    code = Renderer(as_json=True).render(_report(EXIT_PROVIDER))
    out, err = capsys.readouterr()
    assert code == EXIT_PROVIDER
    assert json.loads(out) == {
        "ok": False,
        "items": [{"name": NAME, "price_cents": 1234}],
        "total": 1,
    }
    assert err.strip() == "warning: a remark"


def test_json_mode_encodes_decimals_times_and_paths(capsys):
    from datetime import UTC, datetime
    from decimal import Decimal
    from pathlib import Path

    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    Renderer(as_json=True).render(
        Report({"sum": Decimal("12.50"), "at": at, "file": Path("/tmp/x.csv")})
    )
    document = json.loads(capsys.readouterr().out)
    assert document["sum"] == "12.50" and document["file"] == "/tmp/x.csv"
    assert document["at"].startswith("2026-01-02T03:04:05")


def test_streamed_lines_are_text_only_and_failures_are_one_line(capsys):
    text, as_json = Renderer(as_json=False), Renderer(as_json=True)
    text.stream("order a: completed")
    as_json.stream("order b: completed")
    out, _ = capsys.readouterr()
    assert out.strip() == "order a: completed"

    assert as_json.fail(3, "unknown_item", "Catalog item x\n  is gone.") == 3
    out, err = capsys.readouterr()
    assert err.strip() == "error: Catalog item x is gone."
    assert json.loads(out) == {
        "ok": False,
        "error": {"code": "unknown_item", "message": "Catalog item x is gone.", "exit_code": 3},
    }


def test_outcome_notes_say_error_or_pending():
    assert outcome_notes(EXIT_OK, "fine") == []
    assert outcome_notes(EXIT_PROVIDER, "refused\n here") == ["error: refused here"]
    assert outcome_notes(EXIT_PENDING, "unknown") == ["pending: unknown"]


# --- black box: what the README promises -----------------------------------------------


def _run_plain(cli, *args: str) -> subprocess.CompletedProcess:
    """The CLI exactly as typed, without the fixture's leading --data-dir."""
    return subprocess.run(
        [sys.executable, "-m", "skins_console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=cli.env,
        stdin=subprocess.DEVNULL,
    )


def test_wallet_json_and_catalog_data_dir_json_after_the_command(cli_with_profile):
    cli = cli_with_profile
    wallet = _run_plain(cli, "wallet", "--json", "--data-dir", str(cli.data_dir))
    assert wallet.returncode == 0, wallet.stderr
    assert wallet.stdout.lstrip().startswith("{")
    assert (
        json.loads(wallet.stdout)["wallet"]["available_cents"]
        == cli.sandbox.config.initial_balance_cents
    )
    catalog = _run_plain(cli, "catalog", "--data-dir", str(cli.data_dir), "--json", "--limit", "3")
    assert catalog.returncode == 0, catalog.stderr
    document = json.loads(catalog.stdout)
    assert document["ok"] is True and len(document["items"]) == 3
    listed = _run_plain(cli, "orders", "list", "-v", "--data-dir", str(cli.data_dir))
    assert listed.returncode == 0 and "Order" in listed.stdout, listed.stderr


def test_only_sandbox_serve_pays_for_importing_the_sandbox():
    code = (
        "import sys; from skins_console.cli.parser import build_parser; "
        "parser = build_parser(); parser.parse_args(['wallet', '--json']); "
        "before = 'skins_console.sandbox.server' in sys.modules; "
        "args = parser.parse_args(['sandbox', 'serve', '--speed', '60']); "
        "print(before, 'skins_console.sandbox.server' in sys.modules, args.speed)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.split() == ["False", "True", "60.0"], done.stderr
