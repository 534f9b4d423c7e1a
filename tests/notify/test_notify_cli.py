"""``skins-console notify …`` and forwarding from a long-running command, as a merchant runs
them: real subprocesses, the sandbox, Telegram and Discord stand-ins on loopback, and a scan
proving neither the bot token nor the webhook URL reached the data folder or its logs."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.cli.conftest import CliEnv, Lines
from tests.cli.test_cli_serve import create_open_order
from tests.notify.standins import DISCORD_TOKEN, TELEGRAM_TOKEN, DiscordStandIn

BUYER = "https://steamcommunity.com/tradeoffer/new/?partner=4242424&token=Ab12-_xY"


@pytest.fixture
def cli(tmp_path, sandbox_factory) -> CliEnv:
    env = CliEnv(tmp_path, sandbox_factory(speed=60.0))
    env.add_profile()
    return env


def _sell(cli: CliEnv, external_id: str) -> dict:
    item = cli.run("--json", "catalog", "--limit", "1").json()["items"][0]
    cli.sandbox.script_order(external_id, "completed")
    created = cli.run(
        "order", "create", "--item", item["id"], "--trade-url", BUYER, "--external-id", external_id
    )
    assert created.code == 0, created.stderr
    cli.sandbox.advance(400)  # the buyer accepts, without the wait
    return item


def _scan_for_secrets(cli: CliEnv, *secrets: str) -> int:
    scanned = 0
    for path in cli.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            scanned += 1
            for secret in secrets:
                assert secret.encode() not in data, path
    return scanned


def test_notify_setup_test_and_forwarding_from_orders_sync(cli, telegram, discord):
    missing = cli.run("notify", "test")
    assert missing.code == 3
    assert "`skins-console notify add telegram --chat-id ID`" in missing.stderr

    bad = cli.run(
        "notify", "add", "telegram", "--chat-id", "4242", env={"TELEGRAM_BOT_TOKEN": "oops"}
    )
    assert bad.code == 3 and "does not look like a Telegram bot token" in bad.stderr
    assert "oops" not in bad.stderr
    no_token = cli.run("notify", "add", "telegram", "--chat-id", "4242")
    assert no_token.code == 3 and "TELEGRAM_BOT_TOKEN" in no_token.stderr

    added = cli.run(
        "-v",
        "notify",
        "add",
        "telegram",
        "--chat-id",
        "-1001234567890",
        "--api-base",
        telegram.base_url,
        env={"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN},
    )
    assert added.code == 0, added.stderr
    hooked = cli.run(
        "-v", "notify", "add", "discord", env={"DISCORD_WEBHOOK_URL": discord.webhook_url}
    )
    assert hooked.code == 0, hooked.stderr
    listed = cli.run("notify", "list", "--json")
    assert listed.code == 0, listed.stderr
    channels = {c["kind"]: c for c in listed.json()["channels"]}
    assert channels["telegram"]["target"] == "chat -1001234567890"
    assert channels["telegram"]["api_base"] == telegram.base_url
    assert channels["discord"]["target"].startswith("webhook 1180000000000000042")
    assert all(c["secret_in_keyring"] for c in channels.values())

    tested = cli.run("-v", "notify", "test")
    assert tested.code == 0, tested.stderr
    assert "Sent to chat -1001234567890" in tested.stdout
    [test_message] = telegram.texts()
    assert test_message.startswith("Skins Console test message for profile “main”")
    assert telegram.received[0].body["chat_id"] == -1001234567890
    assert discord.texts() == [test_message]

    item = _sell(cli, "shop-501")
    synced = cli.run("-v", "orders", "sync", "--until-terminal", "--timeout", "60")
    assert synced.code == 0, synced.stderr
    assert "Notifications are forwarded to Telegram (chat -1001234567890), Discord" in (
        synced.stderr
    )
    assert "order shop-501: completed" in synced.stdout
    # Delivered before the command exited: nothing to wait for here.
    forwarded = "\n".join(telegram.texts()[1:])
    assert "Order delivered" in forwarded and item["market_hash_name"] in forwarded
    assert "\n".join(discord.texts()[1:]) == forwarded
    # Each change once: another sync with nothing new sends nothing.
    again = cli.run("orders", "sync")
    assert again.code == 0, again.stderr
    assert len(telegram.received) == len(discord.received) == 1 + len(telegram.texts()[1:])

    # The Discord webhook is deleted: one clear warning, Telegram still told, sync succeeds.
    discord.always = DiscordStandIn.unknown_webhook()
    before = len(telegram.received)
    _sell(cli, "shop-502")
    _sell(cli, "shop-503")
    broken = cli.run("-v", "orders", "sync", "--until-terminal", "--timeout", "60")
    assert broken.code == 0, broken.stderr
    warnings = [line for line in broken.stderr.splitlines() if "Discord" in line and "warn" in line]
    assert len(warnings) == 1, broken.stderr
    assert "deleted or the URL is wrong" in warnings[0]
    later = "\n".join(telegram.texts()[before:])
    assert later.count("Order delivered") == 2

    failing_test = cli.run("--json", "notify", "test")
    assert failing_test.code == 4
    results = {r["kind"]: r for r in failing_test.json()["results"]}
    assert results["telegram"]["delivered"] and not results["discord"]["delivered"]
    assert "error: Discord:" in failing_test.stderr

    removed = cli.run("notify", "remove", "discord")
    assert removed.code == 0, removed.stderr
    assert [c["kind"] for c in cli.run("--json", "notify", "list").json()["channels"]] == [
        "telegram"
    ]
    assert cli.run("notify", "remove", "discord").code == 3

    # Tracking pauses on refused credentials: a state, not a timeline event, told once.
    _sell(cli, "shop-504")
    cli.sandbox.add_faults(
        [{"kind": "error", "status": 401, "route": "/v1/orders", "method": "GET"}]
    )
    paused = cli.run("orders", "sync", "--until-terminal", "--timeout", "30")
    cli.sandbox.set_faults([])
    assert paused.code == 4, paused.stderr
    assert "Tracking paused" in telegram.texts()[-1]

    everything = [added, hooked, listed, tested, synced, broken, failing_test, paused]
    for run in everything:
        for secret in (TELEGRAM_TOKEN, DISCORD_TOKEN):
            assert secret not in run.stdout and secret not in run.stderr
    settings = json.loads((cli.data_dir / "config" / "settings.json").read_text())
    assert settings["chat_channels"]["main"]["telegram"]["chat_id"] == "-1001234567890"
    logs = list(cli.data_dir.rglob("*.log"))
    assert logs and any("sendMessage" in p.read_text() for p in logs)  # logged, redacted
    assert _scan_for_secrets(cli, TELEGRAM_TOKEN, DISCORD_TOKEN) > 3


def test_webhooks_serve_forwards_order_events_as_they_arrive(tmp_path, sandbox_factory, telegram):
    import httpx

    from tests.monitoring.helpers import free_port

    cli = CliEnv(tmp_path, sandbox_factory(speed=120.0))
    port = free_port()
    cli.add_profile(
        "shop", webhook_url=f"http://127.0.0.1:{port}/webhooks/skinsnode", tolerance=None
    )
    chat = cli.run(
        "notify",
        "add",
        "telegram",
        "--chat-id",
        "@skins_shop_ops",
        "--api-base",
        telegram.base_url,
        env={"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN},
    )
    assert chat.code == 0, chat.stderr

    listener = cli.popen("-v", "webhooks", "serve", "--port", str(port))
    try:

        def listening() -> bool:
            try:
                url = f"http://127.0.0.1:{port}/webhooks/health"
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        deadline = time.monotonic() + 30
        while not listening():
            assert listener.poll() is None, listener.communicate()[1]
            assert time.monotonic() < deadline, "the listener did not start"
            time.sleep(0.1)
        item = _sell(cli, "wh-701")
        # No sync runs: the sandbox's webhooks reach the listener, which forwards them.
        texts = telegram.wait_for(
            lambda got: any("Order delivered" in t and item["market_hash_name"] in t for t in got)
        )
    finally:
        listener.terminate()
        out, err = listener.communicate(timeout=30)
    assert listener.returncode == 0, err
    assert "Notifications are forwarded to Telegram (chat @skins_shop_ops)" in err
    assert telegram.received[0].body["chat_id"] == "@skins_shop_ops"
    assert len([t for t in texts if "Order delivered" in t]) == 1
    assert TELEGRAM_TOKEN not in out + err
    assert _scan_for_secrets(cli, TELEGRAM_TOKEN) > 3


def test_a_worker_without_a_keyring_forwards_with_secrets_from_its_environment(
    cli, telegram, discord
):
    """The compose/systemd worker: keyring's fail backend (no keyring at all), the chat
    secrets in its environment, the chat id set with ``notify add``, then ``serve``."""
    worker = {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "DISCORD_WEBHOOK_URL": discord.webhook_url,
    }
    added = cli.run(
        "--json", "notify", "add", "telegram", "--chat-id", "4242",
        "--api-base", telegram.base_url, env=worker,
    )  # fmt: skip
    assert added.code == 0, added.stderr
    channel = added.json()["channel"]
    assert channel["secret_from"] == "environment" and not channel["secret_in_keyring"]
    hooked = cli.run("notify", "add", "discord", env=worker)
    assert hooked.code == 0, hooked.stderr
    assert "from DISCORD_WEBHOOK_URL" in hooked.stdout
    listed = cli.run("notify", "list", env=worker)
    assert listed.code == 0, listed.stderr
    assert "from TELEGRAM_BOT_TOKEN" in listed.stdout
    # Without the variable the worker says which one to set.
    bare = {**worker, "TELEGRAM_BOT_TOKEN": ""}
    failed = cli.run("notify", "test", "telegram", env=bare)
    assert failed.code != 0 and "set TELEGRAM_BOT_TOKEN in its environment" in failed.stderr

    key = "worker-1"
    create_open_order(cli, key)  # a desktop's sale, in the same book
    cli.sandbox.advance(400)

    def delivered(texts: list[str]) -> bool:
        return any("Order delivered" in t for t in texts)

    with cli.popen("serve", "--webhooks-port", "0", env=worker) as proc:
        lines = Lines(proc.stderr)
        try:
            lines.wait_for(r"Notifications are forwarded to Telegram \(chat 4242\), Discord")
            lines.wait_for(rf"order {key} updated")
            telegram.wait_for(delivered)
            discord.wait_for(delivered)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, "".join(lines.seen)
        except BaseException:
            proc.kill()  # the with block then waits for it
            raise
    assert telegram.received[0].body["chat_id"] == 4242
    output = added.stdout + added.stderr + hooked.stdout + listed.stdout + "".join(lines.seen)
    assert TELEGRAM_TOKEN not in output and DISCORD_TOKEN not in output
    assert _scan_for_secrets(cli, TELEGRAM_TOKEN, DISCORD_TOKEN) > 0
