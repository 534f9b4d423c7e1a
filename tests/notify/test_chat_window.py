"""Chat notifications from the window (offscreen, qasync loop, sandbox, loopback stand-ins):
set up in Settings, "Send test message", real order events forwarded, a failing channel
shown once in the banner, and the dialogs fit the 1024×640 window."""

from __future__ import annotations

import pytest

from skins_console.core.models import utcnow
from skins_console.ui.chat_channels_dialog import ChatChannelsDialog
from tests.conftest import wait_for
from tests.fixtures.services import make_trade_url
from tests.notify.standins import DISCORD_TOKEN, TELEGRAM_TOKEN, DiscordStandIn

pytestmark = pytest.mark.qt_loop


async def _sell(s, outcome: str, index: int) -> str:
    await wait_for(lambda: s.controller.catalog.model.rowCount() > index, timeout=20)
    item = (await s.backend.cached_catalog()).items[index]  # each item sells once
    external_id = f"chat-{utcnow().timestamp():.6f}"
    s.sandbox.script_order(external_id, outcome)
    result = await s.backend.place_order(item, make_trade_url(), external_id)
    assert result.ok, result.message
    return item.market_hash_name


async def test_set_up_in_settings_test_message_and_order_events(ui, telegram, discord, caplog):
    async with ui.session(speed=240.0) as s:
        settings = s.controller.open_settings()
        # One row in Settings (which was over 640 px tall before it: see the report).
        assert settings.chat.test is not None and settings.chat.sizeHint().height() <= 80
        dialog = settings.chat.open_setup()
        assert isinstance(dialog, ChatChannelsDialog)
        assert dialog.sizeHint().height() <= 640 and dialog.sizeHint().width() <= 1024
        dialog.layout().activate()
        for edit in (dialog.chat_id, dialog.token, dialog.api_base, dialog.webhook_url):
            # Nothing cut short: each field shows its whole hint (or preset address).
            shown = max(edit.placeholderText(), edit.text(), key=len)
            assert edit.width() > edit.fontMetrics().horizontalAdvance(shown), shown

        dialog.chat_id.setText("12345")
        dialog.token.setText("not-a-token")
        dialog.save_telegram.click()
        await wait_for(lambda: "bot token" in dialog.status.text(), timeout=10)
        assert not s.ctx.settings.chat_channels  # nothing saved on an error

        dialog.token.setText(TELEGRAM_TOKEN)
        dialog.api_base.setText(telegram.base_url)
        dialog.save_telegram.click()
        await wait_for(lambda: dialog.status.text() == "Telegram saved.", timeout=10)
        assert dialog.token.text() == ""  # the secret does not stay in the widget
        dialog.webhook_url.setText(discord.webhook_url)
        dialog.save_discord.click()
        await wait_for(lambda: dialog.status.text() == "Discord saved.", timeout=10)
        await wait_for(lambda: "Discord webhook 1180" in settings.chat.summary.text(), timeout=10)
        # Saving restarted the window's relay on both channels.
        monitoring = s.controller.monitoring
        await wait_for(
            lambda: (
                monitoring.chat.dispatcher is not None
                and len(monitoring.chat.dispatcher.channels) == 2
            ),
            timeout=10,
        )

        settings.chat.test.click()
        await wait_for(lambda: telegram.received and discord.received, timeout=15)
        await wait_for(lambda: "Telegram: Sent to chat 12345" in settings.chat.status.text())
        assert "Discord: Sent to webhook 1180" in settings.chat.status.text()
        assert telegram.texts()[0].startswith("Skins Console test message")
        dialog.close()
        settings.close()

        name = await _sell(s, "completed", 0)
        await wait_for(
            lambda: any("Order delivered" in t and name in t for t in telegram.texts()),
            timeout=40,
        )
        await wait_for(lambda: any("Order delivered" in t for t in discord.texts()), timeout=10)

        # The webhook is deleted: one banner, however many changes follow; Telegram goes on.
        discord.always = DiscordStandIn.unknown_webhook()
        shown_before = len(telegram.received)
        await _sell(s, "completed", 1)
        await wait_for(lambda: len(discord.rejected) >= 1, timeout=40)
        await wait_for(lambda: "Discord notifications" in s.window.banner.label.text(), timeout=10)
        assert s.window.banner.key == "chat-channel"
        await _sell(s, "failed", 2)
        await wait_for(lambda: len(discord.rejected) >= 2, timeout=40)
        await wait_for(lambda: len(telegram.received) > shown_before, timeout=20)
        state = {c.kind: c for c in monitoring.chat.dispatcher.status()}
        assert state["discord"].problem and state["telegram"].problem is None

        for secret in (TELEGRAM_TOKEN, DISCORD_TOKEN):
            assert secret not in caplog.text
            assert secret not in s.window.banner.label.text()
            assert secret not in s.ctx.paths.settings_file.read_text()
