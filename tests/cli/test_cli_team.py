"""Team profiles through the real CLI on a real PostgreSQL (``pg_url``) and the sandbox:
``profile add … --database``, every-day commands on the team book, a second computer
joining, ``database migrate`` and ``serve``."""

from __future__ import annotations

import csv
import json
import re
import shutil
import socket
import time
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from skins_console.cli.exit_codes import EXIT_INTERRUPTED
from skins_console.store.paths import resolve_paths
from skins_console.store.schema_upgrade import HEAD_VERSION, SCRIPT_LOCATION
from skins_console.store.team_profiles import TeamProfile, registry_for
from tests.cli.conftest import CliEnv, Lines, terminated
from tests.cli.test_cli_serve import create_open_order, post_signed

AK = "AK-47 | Redline (Field-Tested)"
SELLER = "https://steamcommunity.com/tradeoffer/new/?partner=5151515&token=Zz98-_aB"
FROZEN = Path(__file__).resolve().parents[1] / "store" / "frozen"


def add_team(cli: CliEnv, name: str, url: str, password: str | None, *extra: str):
    env = {"SKINS_CONSOLE_DATABASE_PASSWORD": password or ""}
    return cli.run("--json", "profile", "add", name, "--database", url, *extra, env=env)


def pg_rows(url: str, password: str | None, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(url, password=password) as conn:
        return list(conn.execute(sql, params).fetchall())


@pytest.fixture
def team_cli(cli, pg_url, pg_password):
    """Alice's computer, with the team profile "shop" created on the team database."""
    added = add_team(
        cli, "shop", pg_url, pg_password, "--operator", "alice", *cli.sandbox_options()
    )
    assert added.code == 0, added.stderr
    return cli


def test_team_profile_works_like_a_local_one_and_keeps_its_password_in_the_keyring(
    team_cli, tmp_path, pg_url, pg_password, cli_sandbox
):
    cli = team_cli
    assert pg_password, "the test server asks for a password"
    outputs: list[str] = []

    def run(*args: str):
        # No password in the environment any more: it comes from the keyring.
        done = cli.run("-v", *args, env={"SKINS_CONSOLE_DATABASE_PASSWORD": ""})
        outputs.extend([done.stdout, done.stderr])
        return done

    profiles = run("--json", "profile", "list").json()["profiles"]
    assert profiles == [{"name": "shop", "active": True, "database": pg_url, "operator": "alice"}]
    assert not (cli.data_dir / "skins-console.sqlite3").exists()  # no local book was made
    # The table says where the provider settings are rather than leaving blank cells.
    assert "in the team book" in run("profile", "list").stdout

    wallet = run("--json", "wallet")
    assert wallet.code == 0, wallet.stderr
    assert wallet.json()["wallet"]["available_cents"] == cli_sandbox.config.initial_balance_cents
    item = run("--json", "catalog", "--limit", "3").json()["items"][0]
    key = "team-1"
    cli_sandbox.script_order(key, "completed")
    created = run(
        "--json", "order", "create", "--item", item["id"], "--trade-url",
        "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY",
        "--price", str(item["price_cents"]), "--external-id", key,
    )  # fmt: skip
    assert created.code == 0, created.stderr
    cli_sandbox.advance(400)
    synced = run("orders", "sync", "--until-terminal", "--timeout", "30")
    assert synced.code == 0 and f"order {key}: completed" in synced.stdout
    assert run("--json", "order", "show", key).json()["order"]["status"] == "completed"
    assert [o["external_id"] for o in run("--json", "orders", "list").json()["orders"]] == [key]

    quote = run("--json", "quote", AK)
    assert quote.code == 0, quote.stderr
    deposit = run(
        "--json", "deposit", "create", "--quote", str(quote.json()["quote"]["id"]),
        "--trade-url", SELLER, "--item", f"{AK}=123456789", "--merchant-tx-id", "team-buy-1",
    )  # fmt: skip
    assert deposit.code == 0, deposit.stderr
    listed = run("--json", "deposits", "list").json()["deposits"]
    assert [d["merchant_tx_id"] for d in listed] == ["team-buy-1"]
    orders_csv = tmp_path / "orders.csv"
    assert run("export", "orders", "--csv", str(orders_csv)).code == 0
    rows = list(csv.DictReader(orders_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["external_id"] for r in rows] == [key]
    report = run("--json", "report", "--period", "day")
    assert report.code == 0, report.stderr
    assert run("attention", "list").code == 0

    # The book is the team database: the order is there, stamped with the operator.
    stored = pg_rows(
        pg_url, pg_password, "SELECT profile, status, operator FROM orders WHERE external_id = %s",
        (key,),
    )  # fmt: skip
    assert stored == [("shop", "completed", "alice")]

    # Bob's computer joins with the URL and his name only; he sees Alice's order.
    bob = CliEnv(tmp_path / "bob", cli_sandbox)
    joined = add_team(bob, "shop", pg_url, pg_password, "--operator", "bob")
    assert joined.code == 0, joined.stderr
    assert joined.json()["joined"] is True
    seen = bob.run("--json", "orders", "list").json()["orders"]
    assert [o["external_id"] for o in seen] == [key]
    # ...and who created and sent it, in its details and on each line of its timeline.
    shown = bob.run("order", "show", key)
    assert shown.code == 0, shown.stderr
    assert re.search(r"^Operator\s+alice$", shown.stdout, re.M), shown.stdout
    assert "By" in shown.stdout
    timeline = bob.run("--json", "order", "show", key).json()
    assert timeline["order"]["operator"] == "alice"
    assert {event["operator"] for event in timeline["timeline"]} == {"alice"}

    # The password is in no file, no output, no log, no row of the team book.
    secret = pg_password.encode()
    scanned = 0
    for folder in (cli.data_dir, bob.data_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                scanned += 1
                assert secret not in path.read_bytes(), f"the password leaked into {path}"
    assert scanned >= 3
    assert all(pg_password not in text for text in outputs)
    for table in ("profiles", "orders", "deposits", "events"):
        for row in pg_rows(pg_url, pg_password, f"SELECT * FROM {table}"):
            assert pg_password not in repr(row)


def test_a_password_in_the_url_is_refused_and_nothing_is_added(cli, pg_url, pg_password):
    user, rest = pg_url.split("://", 1)[1].split("@", 1)
    with_password = f"postgresql://{user}:{pg_password}@{rest}"
    refused = add_team(cli, "shop", with_password, None, *cli.sandbox_options())
    assert refused.code == 3
    assert "SKINS_CONSOLE_DATABASE_PASSWORD" in refused.stderr and "keyring" in refused.stderr
    assert pg_password not in refused.stderr + refused.stdout
    assert cli.run("--json", "profile", "list").json()["profiles"] == []


def test_joining_a_team_profile_that_does_not_exist_says_what_to_give(cli, pg_url, pg_password):
    run = add_team(cli, "shop", pg_url, pg_password, "--operator", "carol")
    assert run.code == 3, run.stderr
    assert "no profile “shop”" in run.stderr and "provider settings" in run.stderr
    assert cli.run("--json", "profile", "list").json()["profiles"] == []


def closed_port() -> int:
    """A loopback port nothing listens on: bound for a moment, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_team_database_is_phrased_for_what_the_command_was_doing(
    cli, tmp_path, cli_sandbox
):
    """Setting up a profile, migrating or copying a history sends nothing: the refusal says
    what was left undone (exit 8), not why an order was not sent, and never the password."""
    where = f"127.0.0.1:{closed_port()}/skins"
    url = f"postgresql://alice@{where}"
    password = "never-shown-9f3c"
    env = {"SKINS_CONSOLE_DATABASE_PASSWORD": password}

    added = add_team(cli, "shop", url, password, "--operator", "alice", *cli.sandbox_options())
    migrated = cli.run("database", "migrate", "--database", url, "--yes", env=env)
    old = CliEnv(tmp_path / "old", cli_sandbox)  # a local book to copy
    assert old.add_profile("main").code == 0
    # A computer whose team profile was set up before its database went away.
    registry_for(resolve_paths(cli.data_dir)).add(TeamProfile("shop", url, "alice"))
    copied = cli.run(
        "--profile", "shop", "database", "import-local", "--from", str(old.data_dir), env=env
    )

    undone = {
        "the profile was not added": added,
        "its schema was not changed": migrated,
        "the copy did not finish": copied,
    }
    for words, run in undone.items():
        assert run.code == 8, run.stderr
        assert f"The team database at {where} cannot be reached, so {words}" in run.stderr
        assert "PostgreSQL is running" in run.stderr
        assert "nothing new was sent" not in run.stderr
        assert password not in run.stderr + run.stdout
    assert added.json()["error"]["code"] == "database_unavailable"
    assert [p["name"] for p in cli.run("--json", "profile", "list").json()["profiles"]] == [
        "shop"
    ]  # only the one registered by hand above


def test_removing_a_team_profile_forgets_it_here_and_keeps_the_team_book(
    team_cli, pg_url, pg_password
):
    removed = team_cli.run("profile", "remove", "shop")
    assert removed.code == 0, removed.stderr
    assert "stay in the team database" in removed.stdout
    assert team_cli.run("--json", "profile", "list").json()["profiles"] == []
    assert pg_rows(pg_url, pg_password, "SELECT name FROM profiles") == [("shop",)]


def _schema_at(url: str, password: str | None, revision: str) -> None:
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"password": password} if password else {},
    )
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(SCRIPT_LOCATION))
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def test_database_migrate_asks_before_changing_an_older_team_schema(cli, pg_url, pg_password):
    _schema_at(pg_url, pg_password, "0006_baseline")
    env = {"SKINS_CONSOLE_DATABASE_PASSWORD": pg_password or ""}
    # A team profile cannot even be added to a book that needs migrating first.
    refused = add_team(cli, "shop", pg_url, pg_password, *cli.sandbox_options())
    assert refused.code == 5 and "schema version 6" in refused.stderr
    # Not set up here yet: named by its URL. Without --yes (and no terminal) it only advises.
    unconfirmed = cli.run("database", "migrate", "--database", pg_url, env=env)
    assert unconfirmed.code == 3
    assert "pg_dump --format=custom" in unconfirmed.stderr and "--yes" in unconfirmed.stderr
    assert pg_rows(pg_url, pg_password, "SELECT version_num FROM alembic_version") == [
        ("0006_baseline",)
    ]
    # A team profile set up here before the upgrade: named by --profile.
    registry = cli.data_dir / "config" / "team_profiles.json"
    registry.write_text(
        json.dumps({"version": 1, "profiles": {"shop": {"database": pg_url, "operator": None}}}),
        encoding="utf-8",
    )
    done = cli.run("--json", "--profile", "shop", "database", "migrate", "--yes", env=env)
    assert done.code == 0, done.stderr
    assert (done.json()["from_version"], done.json()["to_version"]) == (6, HEAD_VERSION)
    again = cli.run("--profile", "shop", "database", "migrate", env=env)
    assert again.code == 0 and f"up to date (schema {HEAD_VERSION})" in again.stdout


def test_database_migrate_upgrades_an_old_local_file_with_a_backup(cli):
    nothing = cli.run("database", "migrate")
    assert nothing.code == 0 and "nothing to migrate" in nothing.stdout
    assert not (cli.data_dir / "skins-console.sqlite3").exists()
    shutil.copy(FROZEN / "v3.sqlite3", cli.data_dir / "skins-console.sqlite3")
    done = cli.run("--json", "database", "migrate")
    assert done.code == 0, done.stderr
    document = done.json()
    assert (document["from_version"], document["to_version"]) == (3, HEAD_VERSION)
    assert document["backup"] and Path(document["backup"]).is_file()
    assert "up to date" in cli.run("database", "migrate").stdout


def test_serve_on_a_team_book_stops_cleanly_on_sigterm(team_cli, cli_sandbox):
    cli = team_cli
    create_open_order(cli, "team-serve-1")
    cli_sandbox.advance(400)
    with cli.running("--json", "serve", "--webhooks-port", "0") as (proc, lines):
        lines.wait_for(r"Tracking open orders and deposits of “shop” \(team database 127")
        lines.wait_for("order team-serve-1 updated")
        assert terminated(proc) == 0, "".join(lines.seen)
        document = json.loads(proc.stdout.read())
    assert document["stopped"] is True and document["profile"] == "shop"
    shown = cli.run("--json", "order", "show", "team-serve-1").json()["order"]
    assert shown["status"] == "completed"


def test_serve_tracks_an_order_a_desktop_sends_while_it_runs(team_cli, cli_sandbox):
    """The worker hears a desktop's new order through the team feed and tracks it to the
    end; the desktop (here: one-shot commands that only read the book) polls nothing."""
    cli = team_cli
    with cli.running("serve", "--webhooks-port", "0") as (proc, lines):
        lines.wait_for(r"Tracking open orders and deposits of “shop”")
        create_open_order(cli, "team-serve-2")  # another process: a desktop selling
        lines.wait_for("order team-serve-2 updated", timeout=30)
        cli_sandbox.advance(400)
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != "completed":
            time.sleep(0.5)
            shown = cli.run("--json", "order", "show", "team-serve-2").json()
            status = shown["order"]["status"]
        assert status == "completed", "".join(lines.seen)
        assert terminated(proc) == 0, "".join(lines.seen)


def test_orders_sync_watch_on_a_team_book_wakes_for_another_consoles_order(
    tmp_path, pg_url, pg_password, sandbox_factory
):
    """Alice watches the team book; Bob, on another computer, sells: Alice's watch hears it
    through the team feed and prints each move of it, inside its first wait. The providers'
    clock runs at real speed here, so that wait is the 30 s idle pause: only the feed (not
    a timed pass) can show the order before it ends."""
    box = sandbox_factory(speed=1.0)
    alice, bob = CliEnv(tmp_path / "alice", box), CliEnv(tmp_path / "bob", box)
    added = add_team(
        alice, "shop", pg_url, pg_password, "--operator", "alice", *alice.sandbox_options()
    )
    assert added.code == 0, added.stderr
    joined = add_team(bob, "shop", pg_url, pg_password, "--operator", "bob")
    assert joined.code == 0, joined.stderr
    with alice.running("orders", "sync", "--watch") as (proc, notes):
        lines = Lines(proc.stdout)
        notes.wait_for(r"Watching 0 open order\(s\)/deposit\(s\)")  # the feed listens
        create_open_order(bob, "team-watch-1")
        status = bob.run("--json", "order", "show", "team-watch-1").json()["order"]["status"]
        lines.wait_for(f"^order team-watch-1: {status}$", timeout=20)
        assert terminated(proc) == EXIT_INTERRUPTED, "".join(notes.seen)
    # Each move once, although the feed also echoes what the watch's own passes write.
    assert len(lines.seen) == len(set(lines.seen)), lines.seen


def test_import_local_moves_a_local_history_into_the_team_book_once(
    cli, tmp_path, pg_url, pg_password, cli_sandbox
):
    old = CliEnv(tmp_path / "old", cli_sandbox)  # the operator's book before team mode
    old.add_profile("main")
    create_open_order(old, "old-1")
    quote = old.run("--json", "quote", AK).json()["quote"]
    deposit = old.run(
        "--json", "deposit", "create", "--quote", str(quote["id"]), "--trade-url", SELLER,
        "--item", f"{AK}=123456789", "--merchant-tx-id", "old-buy-1",
    )  # fmt: skip
    assert deposit.code == 0, deposit.stderr
    added = add_team(
        cli, "shop", pg_url, pg_password, "--operator", "alice", *cli.sandbox_options()
    )
    assert added.code == 0, added.stderr

    args = ("--json", "--profile", "shop", "database", "import-local", "--from", str(old.data_dir))
    first = cli.run(*args)
    assert first.code == 0, first.stderr
    moved = first.json()
    assert moved["source_profile"] == "main" and moved["conflicts"] == []
    assert moved["tables"]["orders"] == {"copied": 1, "already_there": 0}
    assert moved["tables"]["deposits"] == {"copied": 1, "already_there": 0}
    assert moved["tables"]["quotes"]["copied"] >= 1 and moved["tables"]["events"]["copied"] >= 4
    assert moved["tables"]["customers"] == {"copied": 2, "already_there": 0}  # buyer, seller
    assert moved["tables"]["profiles"] == {"copied": 0, "already_there": 1}  # added above

    again = cli.run(*args)
    assert again.code == 0, again.stderr
    assert again.json()["copied"] == 0
    assert again.json()["already_there"] == moved["copied"] + moved["already_there"]

    shown = cli.run("--json", "order", "show", "old-1").json()
    assert shown["order"]["external_id"] == "old-1" and len(shown["timeline"]) >= 3
    deposits = cli.run("--json", "deposits", "list").json()["deposits"]
    assert [d["merchant_tx_id"] for d in deposits] == ["old-buy-1"]
    assert pg_rows(pg_url, pg_password, "SELECT count(*) FROM orders") == [(1,)]


def test_import_local_into_a_local_profile_says_it_needs_a_team_one(cli_with_profile, tmp_path):
    run = cli_with_profile.run("database", "import-local", "--from", str(tmp_path))
    assert run.code == 3 and "team profile" in run.stderr


def test_a_worker_without_a_keyring_serves_with_secrets_from_its_environment(
    team_cli, tmp_path, pg_url, pg_password, cli_sandbox
):
    """The compose.yaml worker: its team profile list written as a file, no OS keyring,
    every secret from the environment."""
    worker = CliEnv(tmp_path / "worker", cli_sandbox)
    config = worker.data_dir / "config"
    config.mkdir(parents=True)
    (config / "team_profiles.json").write_text(
        json.dumps({"version": 1, "profiles": {"shop": {"database": pg_url, "operator": "w"}}}),
        encoding="utf-8",
    )
    env = {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "SKINS_CONSOLE_DATABASE_PASSWORD": pg_password or "",
    }
    serve = ("--json", "--profile", "shop", "serve", "--webhooks-port", "0")
    with worker.running(*serve, env=env) as (proc, lines):
        url = lines.wait_for(r"Listening for webhooks of profile “shop” on (\S+)").group(1)
        body = json.dumps({"externalId": "nobody-1", "status": "sent"}).encode()
        secret = cli_sandbox.config.skinsnode_client_secret
        # Checked with the secret from the environment: verified (202: an order this book
        # does not know, kept for when it does), then a forged one: refused.
        assert post_signed(f"{url}/webhooks/skinsnode", secret, body, "d-env-1") == 202
        assert post_signed(f"{url}/webhooks/skinsnode", "forged", body, "d-env-2") == 401
        lines.wait_for(r"rejected\s+received 2")
        assert terminated(proc) == 0, "".join(lines.seen)
        document = json.loads(proc.stdout.read())
    assert document["webhooks"]["received"] == 2 and document["webhooks"]["rejected"] == 1
