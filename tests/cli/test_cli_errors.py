"""Bad input and broken surroundings through the real CLI: one clear line on stderr, the
documented exit code, a JSON error under --json, and nothing half-written."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.conftest import PLACEHOLDER_PROVIDERS, ROOT
from tests.store.readonly import read_only

URL = "https://steamcommunity.com/tradeoffer/new/?partner=31337&token=Ok12-_ab"


def _one_line_error(run, *needles):
    lines = [line for line in run.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, run.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in run.stderr


def test_help_documents_exit_codes_and_secret_handling(cli):
    run = cli.run("--help")
    assert run.code == 0
    for text in (
        "exit codes:",
        "3    input error",
        "6    keyring error",
        "SKINSNODE_CLIENT_SECRET",
    ):
        assert text in run.stdout


def test_secrets_are_never_options(cli):
    run = cli.run(
        "profile",
        "add",
        "x",
        *PLACEHOLDER_PROVIDERS,
        "--skinsnode-client-secret",
        "s3cr3t-value",
    )
    assert run.code == 2 and "unrecognized arguments" in run.stderr


def test_missing_secret_without_a_terminal_names_the_variable(cli):
    env = {"SKINSNODE_CLIENT_SECRET": ""}
    run = cli.run(
        "profile",
        "add",
        "x",
        *PLACEHOLDER_PROVIDERS,
        env=env,
    )
    assert run.code == 3
    _one_line_error(run, "SKINSNODE_CLIENT_SECRET")
    assert cli.run("--json", "profile", "list").json()["profiles"] == []


def test_no_usable_keyring_is_a_keyring_error_and_adds_nothing(cli):
    run = cli.run(
        "profile",
        "add",
        "x",
        *PLACEHOLDER_PROVIDERS,
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert run.code == 6
    _one_line_error(run, "keyring")
    assert cli.run("--json", "profile", "list").json()["profiles"] == []


def test_unknown_or_missing_profile(cli_with_profile):
    run = cli_with_profile.run("--json", "--profile", "nope", "wallet")
    assert run.code == 3
    _one_line_error(run, "no profile named “nope”")
    assert run.json()["error"] == {
        "code": "profile_missing",
        "exit_code": 3,
        "message": "There is no profile named “nope”.",
    }


def test_no_profile_yet_says_how_to_add_one(cli):
    run = cli.run("wallet")
    assert run.code == 3
    _one_line_error(run, "profile add")


def test_input_mistakes_are_caught_before_anything_is_sent(cli_with_profile):
    cli = cli_with_profile
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    posts = cli.sandbox.truth()["requests"].get("POST /v1/orders", 0)
    cases = [
        (
            (
                "order",
                "create",
                "--item",
                item["id"],
                "--trade-url",
                "https://steamcommunity.co/tradeoffer/new/?partner=1&token=abcdefgh",
            ),
            "phishing",
        ),
        (
            ("order", "create", "--item", item["id"], "--trade-url", URL, "--price", "12.345"),
            "fractions of a cent",
        ),
        (
            (
                "order",
                "create",
                "--item",
                "00000000-0000-4000-8000-000000000000",
                "--trade-url",
                URL,
            ),
            "not in the SkinsNode catalog",
        ),
        (
            (
                "order",
                "create",
                "--item",
                item["id"],
                "--trade-url",
                URL,
                "--price",
                str(item["price_cents"] - 1),
            ),
            "moved from",
        ),
        (
            (
                "order",
                "create",
                "--item",
                item["id"],
                "--trade-url",
                URL,
                "--external-id",
                "bad id!",
            ),
            "not usable",
        ),
        (
            ("deposit", "create", "--quote", "99", "--trade-url", URL, "--item", "AK=notanumber"),
            "must be a number",
        ),
        (
            ("deposit", "create", "--quote", "99", "--trade-url", URL, "--item", "AK=123"),
            "no quote 99",
        ),
    ]
    for args, needle in cases:
        run = cli.run(*args)
        assert run.code == 3, (args, run.stderr)
        _one_line_error(run, needle)
    assert cli.run("--json", "orders", "list").json()["orders"] == []
    assert cli.sandbox.truth()["requests"].get("POST /v1/orders", 0) == posts


def test_insufficient_balance_through_the_cli(cli_with_profile):
    cli = cli_with_profile
    cli.sandbox.set_balance(50)
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    run = cli.run("order", "create", "--item", item["id"], "--trade-url", URL)
    assert run.code == 3
    _one_line_error(run, "does not cover", "Top up")


def test_provider_unreachable_is_a_provider_error(cli_with_profile):
    cli = cli_with_profile
    cli.sandbox.set_faults([{"kind": "error", "status": 503, "route": "/v1/wallet"}])
    run = cli.run("wallet")
    assert run.code == 4
    _one_line_error(run, "503")


def test_quote_names_from_stdin(cli_with_profile):
    run = cli_with_profile.run(
        "--json",
        "quote",
        "-",
        "--price-only",
        input="AK-47 | Redline (Field-Tested)\n\nAWP | Asiimov (Field-Tested)\n",
    )
    assert run.code == 0, run.stderr
    quote = run.json()["quote"]
    assert quote["trade_id"] is None and len(quote["items"]) == 2


def test_corrupt_database_is_a_store_error_naming_the_file(cli_with_profile):
    cli = cli_with_profile
    database = cli.data_dir / "skins-console.sqlite3"
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    database.write_bytes(b"not a database at all " * 500)
    run = cli.run("orders", "list")
    assert run.code == 5
    _one_line_error(run, str(database))


def test_read_only_database_refuses_the_order_and_sends_nothing(cli_with_profile):
    cli = cli_with_profile
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    database = cli.data_dir / "skins-console.sqlite3"
    with read_only(database):
        run = cli.run("order", "create", "--item", item["id"], "--trade-url", URL)
    assert run.code == 5, run.stderr
    _one_line_error(run, "read-only")
    assert cli.sandbox.truth()["requests"].get("POST /v1/orders", 0) == 0
    assert cli.run("--json", "orders", "list").json()["orders"] == []


def test_unwritable_export_target_is_a_store_error(cli_with_profile, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        run = cli_with_profile.run("export", "orders", "--csv", str(folder / "o.csv"))
    assert run.code == 5
    _one_line_error(run, "read-only")


def test_headless_commands_never_load_qt(cli):
    code = (
        "import sys; from skins_console.cli import main; "
        f"rc = main(['--data-dir', {str(cli.data_dir)!r}, 'orders', 'list']); "
        "print(rc, any(m.startswith(('PySide6', 'qasync')) for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=cli.env,
        timeout=60,
    )
    assert done.stdout.strip().splitlines()[-1] == "3 False", done.stderr


def test_ctrl_c_and_sigterm_stop_a_watch_cleanly(cli_with_profile):
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        proc = cli_with_profile.popen("orders", "sync", "--watch")
        assert proc.stderr.readline().startswith("Watching 0 open")
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
