"""Delivery to Telegram and Discord stand-ins on loopback: batching, 429 ``retry_after``,
back-off, one report per failing channel, and no secret in any log line or error."""

from __future__ import annotations

import logging

import pytest

from skins_console.api.chat_channels import ChatDeliveryError, DiscordChannel, TelegramChannel
from skins_console.services.chat_dispatch import ChatDispatcher, format_batch
from skins_console.services.notification_service import Notification
from tests.conftest import wait_for
from tests.notify.standins import (
    DISCORD_TOKEN,
    TELEGRAM_TOKEN,
    Answer,
    DiscordStandIn,
    TelegramStandIn,
)


def note(n: int, kind: str = "order_completed") -> Notification:
    return Notification(
        kind, "Order delivered", f"AK-47 | Redline (Field-Tested) #{n}", "order", f"o-{n}"
    )


@pytest.fixture(autouse=True)
def _capture_http_logs(caplog):
    # httpx logs every request URL at INFO: exactly the line that would carry the token.
    # The app's logging set-up quiets httpx to WARNING; an earlier test may have run it.
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)


def _no_secret(caplog, *texts: str) -> None:
    for secret in (TELEGRAM_TOKEN, DISCORD_TOKEN):
        assert secret not in caplog.text
        for text in texts:
            assert secret not in text
    assert "sendMessage" in caplog.text or "api/webhooks" in caplog.text or not caplog.text


async def test_telegram_and_discord_receive_one_message_each(telegram, discord, caplog):
    tg = TelegramChannel(TELEGRAM_TOKEN, "-1001234567890", api_base=telegram.base_url)
    dc = DiscordChannel(discord.webhook_url)
    dispatcher = ChatDispatcher([tg, dc])
    dispatcher.submit([note(1, "order_failed")])
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    [sent] = telegram.received
    assert sent.body["chat_id"] == -1001234567890
    assert sent.body["text"].startswith("⚠️ Order delivered: AK-47 | Redline (Field-Tested) #1")
    [hook] = discord.received
    assert hook.body["content"] == sent.body["text"]
    assert hook.body["allowed_mentions"] == {"parse": []}
    assert [s.sent for s in dispatcher.status()] == [1, 1]
    _no_secret(caplog, repr(tg), repr(dc))


async def test_telegram_429_waits_retry_after_and_sends_the_backlog_as_one(telegram, caplog):
    telegram.refuse(TelegramStandIn.too_many(1))
    problems: list[str] = []
    dispatcher = ChatDispatcher(
        [TelegramChannel(TELEGRAM_TOKEN, "42", api_base=telegram.base_url)],
        on_problem=lambda label, message: problems.append(message),
    )
    dispatcher.submit([note(1)])
    await wait_for(lambda: len(telegram.rejected) == 1, timeout=30)
    # More changes while the channel is told to wait: they join the retried message.
    dispatcher.submit([note(2), note(3)])
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    [refused] = telegram.rejected
    [sent] = telegram.received
    assert sent.at - refused.at >= 0.9  # the retry_after of 1 s was honoured
    text = sent.body["text"]
    assert text.startswith("Skins Console: 3 updates")
    assert all(f"#{n}" in text for n in (1, 2, 3))
    assert problems == []  # a rate limit is not a failing channel
    _no_secret(caplog)


async def test_discord_429_float_retry_after_then_delivers(discord):
    discord.refuse(DiscordStandIn.too_many(0.4))
    dispatcher = ChatDispatcher([DiscordChannel(discord.webhook_url)])
    dispatcher.submit([note(7)])
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    assert len(discord.rejected) == 1
    [sent] = discord.received
    assert sent.at - discord.rejected[0].at >= 0.35
    assert "#7" in sent.body["content"]


async def test_a_failing_channel_is_reported_once_and_blocks_nothing(telegram, discord, caplog):
    discord.always = DiscordStandIn.unknown_webhook()
    problems: list[tuple[str, str]] = []
    dispatcher = ChatDispatcher(
        [
            DiscordChannel(discord.webhook_url),
            TelegramChannel(TELEGRAM_TOKEN, "42", api_base=telegram.base_url),
        ],
        on_problem=lambda label, message: problems.append((label, message)),
    )
    for n in range(3):
        dispatcher.submit([note(n)])
        assert await dispatcher.flush(30)
    assert len(telegram.received) == 3  # Telegram got every one, one at a time
    assert len(discord.rejected) == 3
    assert len(problems) == 1
    label, message = problems[0]
    assert label == "Discord"
    assert "404" in message and "deleted or the URL is wrong" in message
    discord_state = dispatcher.status()[0]
    assert discord_state.dropped == 3 and discord_state.problem
    # Fixed (the webhook answers again): delivered, and a later failure is reported anew.
    discord.always = None
    dispatcher.submit([note(10)])
    assert await dispatcher.flush(30)
    assert dispatcher.status()[0].problem is None
    discord.always = DiscordStandIn.unknown_webhook()
    dispatcher.submit([note(11)])
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    assert len(problems) == 2
    _no_secret(caplog, *(m for _l, m in problems))


async def test_server_errors_back_off_then_give_up_with_one_report(telegram, caplog):
    telegram.always = Answer(502, None)
    problems: list[str] = []
    dispatcher = ChatDispatcher(
        [TelegramChannel(TELEGRAM_TOKEN, "42", api_base=telegram.base_url)],
        on_problem=lambda _label, message: problems.append(message),
        attempts=3,
        backoff=0.05,
    )
    dispatcher.submit([note(1)])
    assert await dispatcher.flush(30)
    assert len(telegram.rejected) == 3
    telegram.always = None
    telegram.refuse(Answer(500, {"ok": False, "error_code": 500, "description": "Internal"}))
    dispatcher.submit([note(2)])  # one 500, then accepted: a retry, no report
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    assert len(problems) == 1 and "502" in problems[0]
    assert [r.body["text"] for r in telegram.received] == [format_batch([note(2)], 4096)]
    _no_secret(caplog, *problems)


async def test_refused_token_and_unreachable_host_never_show_the_secret(telegram, caplog):
    channel = TelegramChannel(
        "7081234567:AAWrongWrongWrongWrongWrongWrong000", "42", api_base=telegram.base_url
    )
    with pytest.raises(ChatDeliveryError) as refused:
        await channel.send("hello")
    assert refused.value.permanent and refused.value.status == 401
    assert "AAWrong" not in str(refused.value)
    await channel.aclose()
    # Nothing listens on port 9: httpx's own error text would hold the full URL.
    dead = TelegramChannel(TELEGRAM_TOKEN, "42", api_base="http://127.0.0.1:9")
    with pytest.raises(ChatDeliveryError) as unreachable:
        await dead.send("hello")
    await dead.aclose()
    assert not unreachable.value.permanent
    assert "127.0.0.1:9" in unreachable.value.message
    assert TELEGRAM_TOKEN not in str(unreachable.value)
    assert unreachable.value.__cause__ is None and unreachable.value.__context__ is None
    _no_secret(caplog)


def test_batches_fit_each_providers_limit():
    notes = [note(n) for n in range(400)]
    text = format_batch(notes, 2000)
    assert len(text) <= 2000
    assert text.startswith("Skins Console: 400 updates")
    assert text.rstrip().endswith("more (see the Orders tab)")
    shown = text.count("Order delivered")
    assert f"… and {400 - shown} more" in text
    long = Notification("order_failed", "Order failed", "x" * 5000)
    assert len(format_batch([long], 4096)) == 4096


async def test_messages_to_one_chat_are_spaced_and_what_waits_is_joined(telegram):
    dispatcher = ChatDispatcher([TelegramChannel(TELEGRAM_TOKEN, "42", api_base=telegram.base_url)])
    dispatcher.submit([note(1)])
    await wait_for(lambda: len(telegram.received) == 1, timeout=30)
    for n in (2, 3, 4):  # a burst right after: one message, a second after the first
        dispatcher.submit([note(n)])
    assert await dispatcher.flush(30)
    await dispatcher.aclose()
    first, second = telegram.received
    assert second.at - first.at >= 0.9
    assert second.body["text"].startswith("Skins Console: 3 updates")
