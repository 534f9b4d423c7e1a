"""Live monitoring in the real window (offscreen, qasync loop, real sandbox and SQLite)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from skins_console.api.webhook_signatures import sign_skinsnode
from skins_console.core.models import format_time, utcnow
from skins_console.services.webhook_listener import SKINSNODE_PATH
from skins_console.store.secrets import SecretKind
from tests.conftest import wait_for
from tests.fixtures.services import make_trade_url
from tests.monitoring.helpers import free_port
from tests.monitoring.webhook_support import order_payload

pytestmark = pytest.mark.qt_loop


async def _sell(s, outcome: str) -> str:
    model = s.controller.catalog.model
    await wait_for(lambda: model.rowCount() > 0, timeout=20)
    # The item the window shows (its offline copy is written after the rows appear).
    item = model.item(0)
    external_id = f"gui-{utcnow().timestamp():.6f}"
    s.sandbox.script_order(external_id, outcome)
    result = await s.backend.place_order(item, make_trade_url(), external_id)
    assert result.ok, result.message
    return external_id


async def test_notifications_fire_once_per_change_in_the_window(ui):
    async with ui.session(speed=240.0) as s:
        monitoring = s.controller.monitoring
        external_id = await _sell(s, "completed")

        def completed():
            return [
                n for n in monitoring.shown if n.key == external_id and n.kind == "order_completed"
            ]

        await wait_for(completed, timeout=30)
        # The tracker keeps running and webhooks/polls keep arriving: still exactly one.
        s.backend.tracking.wake()
        await wait_for(lambda: s.runner.is_idle(), timeout=10)
        await asyncio.sleep(1.0)
        assert len(completed()) == 1
        assert (
            len([n for n in monitoring.shown if n.key == external_id and n.kind == "order_sent"])
            <= 1
        )
        # Without a system tray (offscreen), the notification is in the window's banner.
        if not monitoring.tray.uses_tray:
            assert monitoring.tray.history[0] in monitoring.shown
        # Clicking "Open" selects the order in the Orders tab.
        monitoring.open_record("order", external_id)
        assert s.window.tabs.currentIndex() == 1
        assert s.controller.orders.current_item().key == external_id


async def test_rejected_credentials_pause_tracking_with_a_visible_reason(ui):
    async with ui.session(speed=240.0) as s:
        monitoring = s.controller.monitoring
        await _sell(s, "completed")
        profile = s.ctx.profile.name
        await s.ctx.secrets.aset(profile, SecretKind.SKINSNODE_CLIENT_SECRET, "revoked-secret")
        await s.ctx.refresh_profile()
        s.backend.tracking.wake()
        await wait_for(lambda: s.backend.tracking.paused, timeout=30)
        await wait_for(
            lambda: any(n.kind == "credentials_rejected" for n in monitoring.shown), timeout=10
        )
        await wait_for(
            lambda: s.window.banner.isVisible() and "paused" in s.window.banner.label.text(),
            timeout=10,
        )
        assert len([n for n in monitoring.shown if n.kind == "credentials_rejected"]) == 1


async def test_webhook_listener_runs_in_the_window_when_enabled(ui):
    port = free_port()
    async with ui.session(speed=240.0, start=False) as s:
        settings = s.ctx.settings
        settings.webhook_listener_enabled = True
        settings.webhook_listener_port = port
        s.controller.start()
        monitoring = s.controller.monitoring
        await wait_for(lambda: monitoring.listener is not None, timeout=10)
        external_id = await _sell(s, "completed")
        body = json.dumps(order_payload(external_id, "completed", offer="1", amount="1")).encode()
        stamp = format_time(utcnow())
        secret = s.sandbox.config.skinsnode_client_secret
        async with httpx.AsyncClient(timeout=5) as http:
            response = await http.post(
                f"http://127.0.0.1:{port}{SKINSNODE_PATH}",
                content=body,
                headers={
                    "x-event-type": "order.updated",
                    "x-delivery-id": "gui-d-1",
                    "x-timestamp": stamp,
                    "x-signature": sign_skinsnode(secret, stamp, body),
                },
            )
        assert response.status_code == 200
        await wait_for(lambda: "1 received" in monitoring.listener_label.text(), timeout=10)
        order = await s.ctx.orders.get(s.ctx.profile.name, external_id)
        assert order.status == "completed"
        # Turning it off in Settings stops it.
        settings.webhook_listener_enabled = False
        s.controller.apply_settings()
        await wait_for(lambda: monitoring.listener is None, timeout=10)
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient(timeout=2) as http:
                await http.get(f"http://127.0.0.1:{port}/webhooks/health")


async def test_a_notification_never_replaces_an_error_banner(ui):
    from skins_console.services.notification_service import Notification

    async with ui.session(speed=240.0) as s:
        tray = s.controller.monitoring.tray
        if tray.uses_tray:
            pytest.skip("a system tray shows notifications outside the window")
        s.window.banner.show_message("Credentials rejected", tone="bad", key="auth:skinsnode")
        tray.notify([Notification("order_completed", "Order delivered", "AK-47", "order", "x")])
        assert s.window.banner.key == "auth:skinsnode"
        assert "Order delivered" in s.window.statusBar().currentMessage()
        assert tray.history[0].title == "Order delivered"
        s.window.banner.clear("auth:skinsnode")
        tray.notify([Notification("order_failed", "Order failed", "AK-47", "order", "y")])
        assert s.window.banner.key == "notification"
