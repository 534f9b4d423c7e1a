"""Setting chat channels up: the rules for chat ids, tokens and URLs; where each part is
kept (settings vs keyring); and the shared cursor that forwards each event exactly once,
however many processes forward from the same data folder."""

from __future__ import annotations

import asyncio

import pytest
from keyring.backends import fail

from skins_console.core.chat_targets import (
    validate_api_base,
    validate_chat_id,
    validate_discord_webhook_url,
    validate_telegram_token,
)
from skins_console.core.errors import ChatChannelMissingError, SecretStoreError, ValidationError
from skins_console.services.chat_notify import ChatRelay, ChatSetup
from skins_console.services.context import AppContext
from skins_console.store.secrets import SecretKind, SecretStore
from skins_console.store.settings import Settings
from tests.monitoring.helpers import place_order
from tests.notify.standins import DISCORD_TOKEN, TELEGRAM_TOKEN, TelegramStandIn


@pytest.mark.parametrize("text", ["123456789", "-1001234567890", " 42 ", "@skins_shop"])
def test_chat_ids_accepted(text):
    assert validate_chat_id(text) == text.strip()


@pytest.mark.parametrize("text", ["", "0", "12a", "@ab", "https://t.me/shop", "-"])
def test_chat_ids_refused_with_what_is_expected(text):
    with pytest.raises(ValidationError, match="must be a number"):
        validate_chat_id(text)


def test_addresses_must_be_https_except_on_this_computer():
    assert validate_api_base("https://api.telegram.org/") == "https://api.telegram.org"
    assert validate_api_base("http://127.0.0.1:8081") == "http://127.0.0.1:8081"
    for bad in ("http://api.telegram.org", "ftp://x", "https://u:p@h", "https://h/?q=1"):
        with pytest.raises(ValidationError):
            validate_api_base(bad)
    url = f"https://discord.com/api/webhooks/1180000000000000042/{DISCORD_TOKEN}"
    assert validate_discord_webhook_url(url) == url
    with pytest.raises(ValidationError, match="not a Discord webhook URL") as wrong:
        validate_discord_webhook_url(f"https://example.com/api/webhooks/1/{DISCORD_TOKEN}")
    assert DISCORD_TOKEN not in wrong.value.message
    with pytest.raises(ValidationError) as plain:
        validate_discord_webhook_url(url.replace("https", "http"))
    assert DISCORD_TOKEN not in plain.value.message


def test_tokens_are_checked_without_being_repeated():
    assert validate_telegram_token(f" {TELEGRAM_TOKEN} ") == TELEGRAM_TOKEN
    with pytest.raises(ValidationError) as bad:
        validate_telegram_token("7081234567 AAHf3kQz9x")
    assert "7081234567" not in bad.value.message


def test_the_settings_keep_only_the_public_parts():
    settings = Settings(None)
    settings.chat_channels = {"shop": {"telegram": {"chat_id": "42"}, "discord": {}}}
    assert settings.chat_channels["shop"]["telegram"]["api_base"] == "https://api.telegram.org"
    for bad in (
        {"shop": {"slack": {}}},
        {"shop": {"telegram": {"chat_id": "x"}}},
        {"shop": {"telegram": {"chat_id": "42", "api_base": "http://evil.example"}}},
    ):
        with pytest.raises(ValidationError):
            settings.chat_channels = bad


@pytest.fixture
async def ctx(sandbox_factory, services_ctx_factory):
    sandbox = sandbox_factory(speed=240.0)
    return sandbox, await services_ctx_factory(sandbox)


async def test_add_list_remove_keeps_secrets_in_the_keyring(ctx, telegram, discord, test_keyring):
    _sandbox, ctx = ctx
    setup = ChatSetup(ctx)
    with pytest.raises(ChatChannelMissingError):
        await setup.send_test()
    with pytest.raises(ValidationError, match="Paste the bot token"):
        await setup.add_telegram("42", None, api_base=telegram.base_url)
    await setup.add_telegram("42", TELEGRAM_TOKEN, api_base=telegram.base_url)
    await setup.add_discord(discord.webhook_url)
    # Changing the chat only: the saved token stays.
    await setup.add_telegram("-1001234567890", None, api_base=telegram.base_url)
    listed = await setup.list_channels()
    assert [(c.kind, c.target, c.has_secret) for c in listed] == [
        ("telegram", "chat -1001234567890", True),
        ("discord", "webhook 1180000000000000042", True),
    ]
    assert await ctx.secrets.aget("main", SecretKind.TELEGRAM_BOT_TOKEN) == TELEGRAM_TOKEN
    text = ctx.paths.settings_file.read_text()
    assert "-1001234567890" in text
    assert TELEGRAM_TOKEN not in text and DISCORD_TOKEN not in text

    # A short 429 is waited out once while the operator waits on the button.
    telegram.refuse(TelegramStandIn.too_many(1))
    results = await setup.send_test()
    assert [r.delivered for r in results] == [True, True]
    assert len(telegram.rejected) == 1
    assert telegram.received[0].body["chat_id"] == -1001234567890
    telegram.always = TelegramStandIn.too_many(60)
    [long_wait] = await setup.send_test("telegram")
    telegram.always = None
    assert not long_wait.delivered and "slow down for 60 s" in long_wait.message

    # The token is gone from the keyring: the test says so, for that channel only.
    await ctx.secrets.adelete("main", SecretKind.TELEGRAM_BOT_TOKEN)
    results = {r.kind: r for r in await setup.send_test()}
    assert results["discord"].delivered
    assert not results["telegram"].delivered
    assert "neither in the keyring nor in TELEGRAM_BOT_TOKEN" in results["telegram"].message

    assert await setup.remove("discord")
    assert not await setup.remove("discord")
    assert not await ctx.secrets.ahas("main", SecretKind.DISCORD_WEBHOOK_URL)
    assert [c.kind for c in await setup.list_channels()] == ["telegram"]
    assert "discord" not in Settings.load(ctx.paths.settings_file).chat_channels["main"]

    # Removing the profile removes its chat channels: chat id and token alike.
    from skins_console.services.profile_service import ProfileService

    await ProfileService(ctx).remove("main")
    assert "main" not in Settings.load(ctx.paths.settings_file).chat_channels
    assert not await ctx.secrets.ahas("main", SecretKind.TELEGRAM_BOT_TOKEN)


async def test_two_forwarders_on_one_data_folder_send_each_event_once(ctx, telegram):
    sandbox, first = ctx
    await ChatSetup(first).add_telegram("42", TELEGRAM_TOKEN, api_base=telegram.base_url)
    # A second process's view of the same folder: its own context, settings and cursor.
    second = await AppContext.open(first.paths, profile="main")
    relays = [ChatRelay(first), ChatRelay(second)]
    try:
        assert all([await relay.start() for relay in relays])
        keys = [await place_order(first, sandbox, "failed", prefix=f"dup{n}") for n in range(3)]
        from tests.monitoring.test_notifications import _track_until

        for key in keys:
            await _track_until(first, key, "failed", timeout=40)
            # The first relay follows its context's change bus; the second claims on its
            # own, at the same moment, as another process on the same folder would.
            await asyncio.gather(*(relay.forward_new_events() for relay in relays))
        assert all([await relay.stop(flush_timeout=30) for relay in relays])
    finally:
        await second.close()
    joined = "\n".join(telegram.texts())
    assert joined.count("Order failed") == 3, joined


async def test_concurrent_claims_never_hand_out_the_same_events(tmp_path):
    from skins_console.store.chat_cursor import ChatCursor

    # One instance per "process": only the OS file lock stands between them.
    cursors = [ChatCursor(tmp_path) for _ in range(6)]
    async with cursors[0].claim("main") as claim:
        claim.advance(0)
    seen: list[int] = []

    async def claim_next(cursor: ChatCursor) -> None:
        async with cursor.claim("main") as claim:
            assert claim.after is not None
            await asyncio.sleep(0.01)  # the events read, while another process wants in
            seen.append(claim.after)
            claim.advance(claim.after + 1)

    await asyncio.gather(*(claim_next(c) for c in cursors for _ in range(3)))
    assert sorted(seen) == list(range(18))
    async with ChatCursor(tmp_path).claim("main") as claim:
        assert claim.after == 18


async def test_a_worker_without_a_keyring_sends_with_secrets_from_its_environment(
    ctx, telegram, discord, monkeypatch
):
    """No usable keyring (keyring's fail backend, as on a container worker): the channel's
    settings are kept, its secrets are read from the environment whenever it sends."""
    _sandbox, ctx = ctx
    # The profile was set up with a keyring; this process has none, as on the worker.
    ctx.secrets = SecretStore(fail.Keyring())
    setup = ChatSetup(ctx)
    assert not await setup.keyring_usable()
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_WEBHOOK_URL", raising=False)
    with pytest.raises(SecretStoreError, match="set TELEGRAM_BOT_TOKEN in its environment"):
        await setup.add_telegram("42", None, api_base=telegram.base_url)
    with pytest.raises(SecretStoreError, match="set DISCORD_WEBHOOK_URL in its environment"):
        await setup.add_discord(None)

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("DISCORD_WEBHOOK_URL", discord.webhook_url)
    info = await setup.add_telegram("42", None, api_base=telegram.base_url)
    assert (info.has_secret, info.secret_from) == (True, "environment")
    assert (await setup.add_discord(None)).secret_from == "environment"
    listed = await setup.list_channels()
    assert [(c.kind, c.has_secret, c.secret_from) for c in listed] == [
        ("telegram", True, "environment"),
        ("discord", True, "environment"),
    ]
    results = await setup.send_test()
    assert [r.delivered for r in results] == [True, True]
    assert telegram.received[0].body["chat_id"] == 42 and len(discord.received) == 1
    text = ctx.paths.settings_file.read_text()
    assert TELEGRAM_TOKEN not in text and DISCORD_TOKEN not in text

    # The forwarder of a worker (``serve``) sends with them too.
    relay = ChatRelay(ctx)
    assert await relay.start()
    assert relay.dispatcher is not None
    assert sorted(c.kind for c in relay.dispatcher.channels) == ["discord", "telegram"]
    await relay.stop(flush_timeout=0)

    # Removing a channel there forgets its settings; the variable is the operator's.
    assert await setup.remove("discord")
    assert [c.kind for c in await setup.list_channels()] == ["telegram"]
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    with pytest.raises(SecretStoreError):
        await setup.send_test()


async def test_the_keyrings_secret_wins_over_the_environment(
    ctx, telegram, test_keyring, monkeypatch
):
    _sandbox, ctx = ctx
    setup = ChatSetup(ctx)
    await setup.add_telegram("42", TELEGRAM_TOKEN, api_base=telegram.base_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "7000000000:AAAnother_Token_From_The_Env_000000")
    [result] = await setup.send_test()
    # The stand-in accepts only the keyring's token: a message sent with the variable's
    # would have been refused with 401.
    assert result.delivered and not telegram.rejected
    [listed] = await setup.list_channels()
    assert listed.secret_from == "keyring"
    # A keyring that has nothing for this profile: the variable is used.
    await ctx.secrets.adelete("main", SecretKind.TELEGRAM_BOT_TOKEN)
    [fallback] = await setup.send_test()
    assert not fallback.delivered
    assert (
        telegram.rejected[-1].path
        == "/bot7000000000:AAAnother_Token_From_The_Env_000000/sendMessage"
    )
