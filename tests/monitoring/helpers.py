"""Helpers shared by the monitoring tests."""

from __future__ import annotations

import socket

from skins_console.core.models import utcnow
from skins_console.services.catalog_service import CatalogService
from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from tests.fixtures.services import make_trade_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def place_order(ctx, sandbox, outcome: str, *, prefix: str = "mon") -> str:
    """Sell the first catalog item through the checkout service, its fate scripted."""
    catalog = await CatalogService(ctx).refresh()
    external_id = f"{prefix}-{utcnow().timestamp():.6f}"
    sandbox.script_order(external_id, outcome)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(
            catalog_item_id=catalog.items[0].id, trade_url=make_trade_url(), external_id=external_id
        )
    )
    assert result.ok, result.message
    return external_id
