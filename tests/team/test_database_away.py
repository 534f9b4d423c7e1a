"""The team database stopped and started again under two running consoles: the one that
sells is refused before anything reaches the sandbox, the other's feed says the database
is away and then back, nothing written before is lost, and tracking carries on."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from skins_console.cli.exit_codes import EXIT_DATABASE, exit_code_for
from skins_console.core.errors import DatabaseUnavailableError
from skins_console.services import change_bus
from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from skins_console.services.tracking_service import TrackingService
from tests.fixtures.services import make_trade_url, pick_item, wait_until
from tests.team.conftest import Team

pytestmark = pytest.mark.slow


async def test_the_database_stopped_and_restarted_mid_run(
    own_pg_server, sandbox, test_keyring, tmp_path
):
    server = own_pg_server
    team = Team(server.url_for(server.create_database()), server.password, sandbox, tmp_path / "c")
    stop = asyncio.Event()
    tracker = None
    try:
        alice = await team.console("alice")
        bob = await team.console("bob")
        with bob.bus.queue(frozenset({change_bus.DATABASE})) as states:
            feed = await team.live(bob)
            assert (await asyncio.wait_for(states.get(), timeout=20)).key is None
        item = await pick_item(alice, max_price_cents=3000)
        other = await pick_item(alice, max_price_cents=3000)
        first = f"team-away-{secrets.token_hex(4)}"
        await CheckoutService(alice).checkout(
            CheckoutRequest(catalog_item_id=item.id, trade_url=make_trade_url(), external_id=first)
        )
        tracker = asyncio.ensure_future(TrackingService(bob).run_forever(stop))

        server.stop()
        await wait_until(lambda: _true(feed.away is not None), timeout=30)
        assert server.password not in feed.away

        # Nothing new is sent while the book cannot say whether the id is free.
        second = f"team-away-{secrets.token_hex(4)}"
        with pytest.raises(DatabaseUnavailableError) as away:
            await CheckoutService(alice).checkout(
                CheckoutRequest(
                    catalog_item_id=other.id, trade_url=make_trade_url(), external_id=second
                )
            )
        assert exit_code_for(away.value) == EXIT_DATABASE
        assert server.password not in away.value.message
        assert sandbox.truth()["skinsnode"]["orders"].get(second) is None

        restarted = alice.clock.now()
        server.start()
        await wait_until(lambda: _true(feed.away is None), timeout=60)

        # Nothing written before the outage is lost, and tracking carries on by itself.
        async def looked_at_again():
            order = await bob.orders.get("shop", first)
            return order.last_checked_at is not None and order.last_checked_at > restarted

        await wait_until(looked_at_again, timeout=60)
        kept = await alice.orders.get("shop", first)
        assert kept is not None and kept.operator == "alice"
        # And selling works again, with the refused id (nothing of it reached the book). The
        # item is picked afresh: under load the sandbox's market may have sold the first pick
        # during the outage.
        again = await pick_item(alice, max_price_cents=3000)
        sold = await CheckoutService(alice).checkout(
            CheckoutRequest(
                catalog_item_id=again.id, trade_url=make_trade_url(), external_id=second
            )
        )
        assert sold.record.external_id == second
        assert sandbox.truth()["skinsnode"]["orders"][second]["created"] == 1
    finally:
        stop.set()
        if tracker is not None:
            await tracker
        await team.close()


async def _true(value: bool) -> bool:
    return value
