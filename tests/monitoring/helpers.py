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


#: items this helper already sold: SkinsNode may list a sold copy for up to 30 s (its read
#: cache), so a second sale in a row must pick another item
_SOLD: set[str] = set()


async def place_order(ctx, sandbox, outcome: str, *, prefix: str = "mon") -> str:
    """Sell the first unsold catalog item through the checkout service, its fate scripted."""
    catalog = await CatalogService(ctx).refresh()
    item = next(i for i in catalog.items if i.id not in _SOLD)
    _SOLD.add(item.id)
    external_id = f"{prefix}-{utcnow().timestamp():.6f}"
    sandbox.script_order(external_id, outcome)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(
            catalog_item_id=item.id, trade_url=make_trade_url(), external_id=external_id
        )
    )
    assert result.ok, result.message
    return external_id
