"""Shared by the webhook tests: a listener on a real port, signed deliveries, raw HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime

import httpx
import pytest

from skins_console.api.webhook_signatures import sign_skinsnode, skinslink_sign
from skins_console.core.models import format_time, utcnow
from skins_console.services.deposit_service import DepositInput, DepositLine, DepositService
from skins_console.services.webhook_listener import WebhookListener
from tests.fixtures.services import make_trade_url
from tests.monitoring.helpers import free_port

SPEED = 120.0
REDLINE = "AK-47 | Redline (Field-Tested)"


@pytest.fixture
async def quiet_listener(sandbox_factory, services_ctx_factory):
    """A listener whose profile sends the sandbox's own webhooks nowhere (a closed loopback
    port), so only what a test posts reaches it and the store stays still between posts."""
    sandbox = sandbox_factory(speed=SPEED)
    ctx = await services_ctx_factory(sandbox, webhook_url=f"http://127.0.0.1:{free_port()}/nowhere")
    listener = WebhookListener(ctx, "127.0.0.1", free_port())
    await listener.start()
    try:
        yield sandbox, ctx, listener
    finally:
        await listener.stop()


def signed_skinsnode(
    secret: str, body: dict | bytes, *, delivery_id: str, at: datetime | None = None
) -> tuple[dict[str, str], bytes]:
    raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    stamp = format_time(at or utcnow())
    headers = {
        "x-event-type": "order.updated",
        "x-delivery-id": delivery_id,
        "x-timestamp": stamp,
        "x-signature": sign_skinsnode(secret, stamp, raw),
        "content-type": "application/json",
    }
    return headers, raw


def order_payload(
    external_id: str, status: str, *, offer: str = "7100000001", amount: str = "100"
) -> dict:
    """A SkinsNode ``order.updated`` body."""
    return {
        "externalId": external_id,
        "status": status,
        "steamOfferId": offer,
        "amount": amount,
        "currency": "USD",
        "error": None,
        "timestamps": {},
    }


def skinslink_body(secret: str, trade_id: int, **fields) -> bytes:
    body = {
        "status": "hold",
        "trade_id": trade_id,
        "offer_id": "",
        "amount": 22.75,
        "amount_currency": "usd",
        "steam_id": "76561198000000001",
        **fields,
    }
    body.setdefault("sign", skinslink_sign(trade_id, secret))
    return json.dumps(body).encode()


async def post(listener, path: str, headers: dict | None, raw: bytes) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(listener.url + path, headers=headers or {}, content=raw)


async def raw_exchange(port: int, data: bytes, *, wait: float = 15.0) -> bytes:
    """Send bytes as they are over TCP and return the server's answer: one whole response
    (head and ``Content-Length`` body), or whatever came before it closed the connection
    (``wait`` bounds a server that does neither)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(_one_response(reader), wait)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def _one_response(reader: asyncio.StreamReader) -> bytes:
    received = b""
    while True:
        try:
            chunk = await reader.read(65536)
        except ConnectionError:
            return received
        if not chunk:
            return received
        received += chunk
        head, sep, body = received.partition(b"\r\n\r\n")
        if sep:
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and len(body) >= int(value):
                    return received


def status_of(answer: bytes) -> int:
    line = answer.split(b"\r\n", 1)[0].split()
    assert len(line) >= 2 and line[0].startswith(b"HTTP/1."), answer[:200]
    return int(line[1])


async def place_deposit(ctx, sandbox, outcome: str, tx_id: str) -> str:
    service = DepositService(ctx)
    quote = await service.quote([REDLINE], game="csgo")
    sandbox.script_deposit(tx_id, outcome)
    result = await service.create(
        DepositInput(
            quote_id=quote.id,
            trade_url=make_trade_url(),
            merchant_tx_id=tx_id,
            items=(DepositLine(name=REDLINE, asset_id="38029384123"),),
        )
    )
    assert result.ok, result.message
    return tx_id


async def store_counts(ctx) -> tuple[int, int, int]:
    """(delivery rows, duplicates counted on them, timeline events) in the whole store."""

    def read(conn):
        rows, dups = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(duplicates), 0) FROM webhook_deliveries"
        ).fetchone()
        events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return int(rows), int(dups), int(events)

    return await ctx.db.read(read)


def no_tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Records that carry a traceback (there must be none)."""
    return [
        r.getMessage()
        for r in records
        if r.exc_info or r.exc_text or "Traceback (most recent call last)" in r.getMessage()
    ]
