"""The change feed on a real PostgreSQL: what the triggers announce, what they do not, and a
listener that notices the server going away and listens again when it is back."""

from __future__ import annotations

import contextlib
import queue
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from skins_console.core.models import OrderRequest
from skins_console.store import leases
from skins_console.store.attention_repository import AttentionRepository
from skins_console.store.change_feed import ChangeFeedListener, FeedChange, parse_payload
from skins_console.store.database import Database
from skins_console.store.lifecycle_repository import bound
from skins_console.store.orders_repository import ORDERS, insert_order_draft, record_order_event
from skins_console.store.profiles_repository import create_profile
from tests.fixtures.store import make_profile

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _draft(conn, key: str):
    request = OrderRequest(
        catalog_item_id="cat-1",
        expected_price_cents=1840,
        external_id=key,
        webhook_url="http://127.0.0.1:9/hooks",
        trade_url="https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh",
    )
    return insert_order_draft(conn, profile="main", request=request, item_name="AK", now=T0)


class _Heard:
    """What a listener delivered, from its thread."""

    def __init__(self) -> None:
        self.changes: queue.Queue[FeedChange] = queue.Queue()
        self.states: queue.Queue[tuple[bool, str | None]] = queue.Queue()

    def listener(self, db: Database) -> ChangeFeedListener:
        return ChangeFeedListener(
            db.listen_kwargs(),
            on_change=self.changes.put,
            on_state=lambda up, detail: self.states.put((up, detail)),
        )

    def next_change(self, timeout: float = 10.0) -> FeedChange:
        return self.changes.get(timeout=timeout)

    def drain(self) -> list[FeedChange]:
        found = []
        while True:
            try:
                found.append(self.changes.get_nowait())
            except queue.Empty:
                return found


@contextlib.asynccontextmanager
async def _listening(db: Database) -> AsyncIterator[_Heard]:
    """A change feed on ``db``'s book (its profile "main" made first), listening; stopped and
    ``db`` closed when the block ends."""
    heard = _Heard()
    feed = heard.listener(db)
    try:
        await db.call(create_profile, make_profile())
        feed.start()
        assert heard.states.get(timeout=20) == (True, None)
        yield heard
    finally:
        feed.stop()
        await db.close()


def test_payloads_that_are_not_ours_are_skipped():
    assert parse_payload('{"kind": "order", "key": "k", "profile": "p"}') == FeedChange(
        "order", "k", "p"
    )
    assert parse_payload("not json") is None
    assert parse_payload('["order"]') is None
    assert parse_payload('{"key": "k"}') is None


async def test_writes_are_announced_and_lease_moves_are_not(pg_url, pg_password):
    db = await Database.open(pg_url, password=pg_password, operator="alice")
    async with _listening(db) as heard:
        await db.call(_draft, "feed-1")
        # The order and its first event: one transaction, one announcement (PostgreSQL
        # folds identical notifications of a transaction into one).
        assert heard.next_change() == FeedChange("order", "feed-1", "main")

        await db.call(record_order_event, "main", "feed-1", "note", "buyer asked", now=T0)
        assert heard.next_change() == FeedChange("order", "feed-1", "main")

        await db.call(_draft, "feed-2")
        assert heard.next_change() == FeedChange("order", "feed-2", "main")

        # A lease taken and given back changes nothing anybody shows: not announced. (Commits
        # are announced in order, so the next one heard is the attention mark on feed-2.)
        claim = bound(leases.claim_send, ORDERS, "claim_send")
        release = bound(leases.release, ORDERS, "release")
        await db.call(claim, "main", "feed-1", "alice@h:1:a", T0 + timedelta(seconds=60), T0)
        await db.call(release, "main", ["feed-1"], "alice@h:1:a")
        await AttentionRepository(db).resolve(
            "main", "order", "feed-2", reason="stuck", operator="alice", note="", now=T0
        )
        assert heard.next_change() == FeedChange("order", "feed-2", "main")


@pytest.mark.slow
async def test_the_listener_notices_the_server_going_away_and_comes_back(own_pg_server):
    server = own_pg_server
    url = server.url_for(server.create_database())
    db = await Database.open(url, password=server.password, operator="alice")
    async with _listening(db) as heard:
        server.stop()
        up, detail = heard.states.get(timeout=30)
        assert not up and detail
        assert server.password not in detail

        server.start()
        assert heard.states.get(timeout=60) == (True, None)
        await db.call(_draft, "after-restart")  # the pool reconnects by itself too
        assert heard.next_change() == FeedChange("order", "after-restart", "main")
