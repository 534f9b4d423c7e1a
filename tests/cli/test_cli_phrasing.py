"""Typed service errors: the window's words name no command, the CLI's do, and each has its
documented exit code."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skins_console.cli.exit_codes import (
    EXIT_DATABASE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_KEYRING,
    EXIT_PENDING,
    EXIT_PROVIDER,
    EXIT_STORE,
    exit_code_for,
)
from skins_console.cli.phrasing import PHRASES, phrase
from skins_console.core import errors

PACKAGE = Path(__file__).resolve().parents[2] / "skins_console"
URL = "https://steamcommunity.com/tradeoffer/new/?partner=31337&token=Ok12-_ab"

#: a CLI flag (``--price``) or a command line (``skins-console quote``)
CLI_WORDS = re.compile(r"(?<![\w-])--[a-z][a-z-]+|skins-console [a-z]")

#: each typed error with structured fields → what the CLI must name as the next step
TYPED = [
    (errors.NoProfileError(), "no_profile", ["`skins-console profile add NAME …`", "--profile"]),
    (
        errors.SecretMissingError(profile="shop", secret="SkinsNode client secret"),
        "secret_missing",
        ["`skins-console profile remove shop`", "`skins-console profile add shop …`"],
    ),
    (
        errors.UnknownCatalogItemError("item-9"),
        "unknown_item",
        ["item-9", "`skins-console catalog --search …`"],
    ),
    (
        errors.PriceChangedError(item_name="AWP | Asiimov", quoted_cents=1000, current_cents=1125),
        "price_changed",
        ["$10.00", "$11.25", "--price 1125"],
    ),
    (
        errors.RecordIdTakenError(record="order", record_id="shop-1", conflict="with item x"),
        "duplicate_external_id",
        ["shop-1", "with item x", "--external-id"],
    ),
    (
        errors.RecordIdTakenError(record="deposit", record_id="buy-1", conflict="seller 5"),
        "duplicate_merchant_tx_id",
        ["buy-1", "--merchant-tx-id"],
    ),
    (
        errors.UnknownQuoteError(quote_id=99, profile="shop"),
        "unknown_quote",
        ["no quote 99", "`skins-console quote NAME…`"],
    ),
    (errors.QuoteNotLockedError(7), "quote_not_locked", ["Quote 7", "--price-only"]),
    (
        errors.QuoteLockExpiredError(
            quote_id=7, expired_at=datetime(2026, 1, 1, 12, 5, 0, tzinfo=UTC)
        ),
        "quote_expired",
        ["12:05:00 UTC", "`skins-console quote …`"],
    ),
    (errors.NoDepositItemsError(), "invalid_input", ['--item "NAME=ASSET_ID"']),
    (
        errors.ListenerBindError(host="0.0.0.0", port=8787, reason="Address already in use"),
        "listener_bind_failed",
        ["0.0.0.0:8787", "Address already in use", "--port"],
    ),
    (
        errors.ChatChannelMissingError(profile="shop", kind="discord"),
        "no_chat_channel",
        ["Discord webhook", "“shop”", "`skins-console notify add discord`"],
    ),
    (
        errors.BuyerReversedWarning(
            buyer="Dana (76561197960297095)",
            steamid64=76561197960297095,
            reversals=2,
            last_reversal_at=datetime(2026, 1, 3, 9, 30, tzinfo=UTC),
        ),
        "buyer_reversed",
        ["Dana", "2 trades", "2026-01-03 09:30", "--yes", "`skins-console buyer show 7656"],
    ),
    (
        errors.UnknownBuyerError(wanted="dnaa", profile="shop", similar=("Dana",)),
        "unknown_buyer",
        ["“dnaa”", "Did you mean Dana?", "`skins-console buyers list`"],
    ),
    (
        errors.KeyInUseError(
            kind="order",
            key="WEB-1001",
            operator="alice",
            sent_at=datetime(2026, 1, 3, 9, 30, tzinfo=UTC),
        ),
        "key_in_use",
        [
            "WEB-1001",
            "alice's order",
            "2026-01-03 09:30 UTC",
            "nothing was sent",
            "`skins-console order show WEB-1001`",
        ],
    ),
]

#: errors whose exit code is not the input one, with theirs
NOT_INPUT = [
    (
        errors.DatabaseUnavailableError(
            "could not connect to server", where="db.shop.lan:5432/skins"
        ),
        "database_unavailable",
        ["db.shop.lan:5432/skins", "nothing new was sent", "PostgreSQL"],
        EXIT_DATABASE,
    ),
]


@pytest.mark.parametrize("exc, code, cli_words", TYPED, ids=lambda v: type(v).__name__)
def test_window_words_name_no_command_and_the_cli_names_the_next_step(exc, code, cli_words):
    assert exc.code == code
    assert not CLI_WORDS.search(exc.message), exc.message
    cli_text = phrase(exc)
    for words in cli_words:
        assert words in cli_text, cli_text
    assert exit_code_for(exc) == EXIT_INPUT


@pytest.mark.parametrize("exc, code, cli_words, exit_code", NOT_INPUT, ids=lambda v: str(v)[:20])
def test_the_database_away_has_its_own_exit_code_and_words(exc, code, cli_words, exit_code):
    assert exc.code == code
    cli_text = phrase(exc)
    for words in cli_words:
        assert words in cli_text, cli_text
    assert exit_code_for(exc) == exit_code


def test_every_phrased_error_is_covered_and_others_keep_their_message():
    covered = [exc for exc, *_rest in TYPED] + [exc for exc, *_rest in NOT_INPUT]
    assert {type(exc) for exc in covered} == set(PHRASES)
    plain = errors.ValidationError("The price must be a positive number of cents.")
    assert phrase(plain) == plain.message


@pytest.mark.parametrize(
    "exc, code",
    [
        (errors.OutcomeUnknownError("?", provider="SkinsNode"), EXIT_PENDING),
        (errors.SecretStoreError("no keyring"), EXIT_KEYRING),
        (errors.DatabaseReadOnlyError("read-only"), EXIT_STORE),
        (errors.DiskFullError("full"), EXIT_STORE),
        (errors.AuthError("401", provider="SkinsNode", status=401), EXIT_PROVIDER),
        (errors.QuoteExpiredError("expired", provider="Skinslink"), EXIT_PROVIDER),
        (errors.DepositFailedError("failed", provider="Skinslink", state=None), EXIT_PROVIDER),
        (errors.InsufficientBalanceError("low"), EXIT_INPUT),
        (errors.TradeUrlError("bad"), EXIT_INPUT),
        (errors.ProfileError("missing"), EXIT_INPUT),
        (RuntimeError("bug"), EXIT_INTERNAL),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_exit_code_per_error_kind(exc, code):
    assert exit_code_for(exc) == code


def _message_strings(path: Path):
    """String literals of a module, docstrings left out (they may describe the CLI)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


SOURCES = [*sorted(PACKAGE.glob("services/**/*.py")), PACKAGE / "core" / "errors.py"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_service_message_names_a_cli_command_or_flag(path):
    found = [
        f"{path.name}:{line}: {text!r}"
        for line, text in _message_strings(path)
        if CLI_WORDS.search(text)
    ]
    assert not found, found


# --- through the real CLI --------------------------------------------------------------


def test_typed_refusals_through_the_cli(cli_with_profile):
    cli = cli_with_profile
    quote = cli.run("--json", "quote", "AK-47 | Redline (Field-Tested)", "--price-only")
    quote_id = str(quote.json()["quote"]["id"])
    run = cli.run(
        "deposit",
        "create",
        "--quote",
        quote_id,
        "--trade-url",
        URL,
        "--item",
        "AK-47 | Redline (Field-Tested)=123",
        "--json",
    )
    assert run.code == EXIT_INPUT, run.stderr
    error = run.json()["error"]
    assert error["code"] == "quote_not_locked" and "without --price-only" in error["message"]
    assert run.stderr.count("error:") == 1

    items = cli.run("--json", "catalog", "--limit", "2").json()["items"]
    first = cli.run(
        "order", "create", "--item", items[0]["id"], "--trade-url", URL, "--external-id", "k-1"
    )
    assert first.code == 0, first.stderr
    other = cli.run(
        "order", "create", "--item", items[1]["id"], "--trade-url", URL, "--external-id", "k-1"
    )
    assert other.code == EXIT_INPUT
    line = other.stderr.strip()
    assert line.startswith("error: Order id k-1 is already used by another order")
    assert "Leave out --external-id" in line and len(line.splitlines()) == 1


def test_a_refused_order_names_the_command_that_checks_the_credentials(cli_with_profile):
    cli = cli_with_profile
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    cli.sandbox.set_faults(
        [{"kind": "error", "status": 401, "route": "/v1/orders", "method": "POST"}]
    )
    run = cli.run("order", "create", "--item", item["id"], "--trade-url", URL, "--json")
    assert run.code == EXIT_PROVIDER, run.stderr
    stored = run.json()["order"]
    assert stored["status"] == "rejected" and stored["failure_code"] == "unauthorized"
    # the stored reason (also what the window shows) names no command; the CLI adds one
    assert not CLI_WORDS.search(stored["failure_message"]), stored["failure_message"]
    line = run.stderr.strip()
    assert line.startswith("error: Order") and "(HTTP 401)" in line
    assert line.endswith("Run `skins-console profile test` after fixing them.")
