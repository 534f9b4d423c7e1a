"""CSV exports of orders and deposits, for the merchant's bookkeeping.

Money is written as decimal dollars text (``18.40``, Skinslink's ``22.755`` kept exact),
times as ISO-8601 UTC. The file is written atomically (temporary file, fsync, rename), so
an interrupted export or a full disk leaves the previous file untouched, and the error
says which of the two happened.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from skins_console.core.models import format_time
from skins_console.core.money import cents_to_usd
from skins_console.core.records import ActivityFilter, DepositRecord, OrderRecord
from skins_console.core.statuses import Provider, describe
from skins_console.services.context import AppContext
from skins_console.store.settings import atomic_write

PAGE = 5000

ORDER_COLUMNS = (
    "external_id",
    "status",
    "status_text",
    "item_name",
    "catalog_item_id",
    "expected_price_usd",
    "charged_usd",
    "currency",
    "buyer_partner",
    "buyer_steamid64",
    "trade_url",
    "steam_offer_id",
    "failure_code",
    "failure_message",
    "created_at",
    "accepted_at",
    "sent_at",
    "completed_at",
    "settles_at",
    "updated_at",
)
DEPOSIT_COLUMNS = (
    "merchant_tx_id",
    "trade_id",
    "status",
    "status_text",
    "game",
    "items",
    "asset_ids",
    "min_prices_usd",
    "amount_usd",
    "seller_partner",
    "trade_offer_id",
    "bot_name",
    "fail_reason",
    "created_at",
    "sent_at",
    "completed_at",
    "hold_end_date",
    "updated_at",
)


def _time(value: datetime | None) -> str:
    return format_time(value) if value else ""


def _cents(value: int | None) -> str:
    return "" if value is None else str(cents_to_usd(value))


def _usd(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def order_row(order: OrderRecord) -> list[str]:
    return [
        order.external_id,
        order.status,
        describe(Provider.SKINSNODE, order.status),
        order.item_name,
        order.catalog_item_id,
        _cents(order.expected_price_cents),
        _cents(order.amount_cents),
        order.currency or "USD",
        "" if order.buyer_partner is None else str(order.buyer_partner),
        order.buyer_steamid64 or "",
        order.trade_url,
        order.steam_offer_id or "",
        order.failure_code or "",
        order.failure_message or "",
        _time(order.created_at),
        _time(order.accepted_at),
        _time(order.sent_at),
        _time(order.completed_at),
        _time(order.settles_at),
        _time(order.updated_at),
    ]


def deposit_row(deposit: DepositRecord) -> list[str]:
    items = deposit.items or ()
    return [
        deposit.merchant_tx_id,
        str(deposit.trade_id),
        deposit.status,
        describe(Provider.SKINSLINK, deposit.status),
        deposit.game,
        "; ".join(str(item.get("name", "")) for item in items),
        "; ".join(str(item.get("asset_id", "")) for item in items),
        "; ".join(
            _usd(Decimal(str(item["min_price"]))) if item.get("min_price") is not None else ""
            for item in items
        ),
        _usd(deposit.amount),
        str(deposit.partner),
        deposit.trade_offer_id or "",
        deposit.bot_name or "",
        deposit.fail_reason or "",
        _time(deposit.created_at),
        _time(deposit.sent_at),
        _time(deposit.completed_at),
        _time(deposit.hold_end_date),
        _time(deposit.updated_at),
    ]


def _csv_bytes(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with BOM: spreadsheet programs then read ★ and ™ in item names correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def _write(path: Path, data: bytes) -> None:
    # Off the event loop: the atomic write fsyncs the file and its folder.
    await asyncio.to_thread(atomic_write, path, data)


class ExportService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def export_orders(self, path: Path, flt: ActivityFilter | None = None) -> int:
        rows = [order_row(o) for o in await self._all(self.ctx.orders, flt)]
        await _write(Path(path), _csv_bytes(ORDER_COLUMNS, rows))
        return len(rows)

    async def export_deposits(self, path: Path, flt: ActivityFilter | None = None) -> int:
        rows = [deposit_row(d) for d in await self._all(self.ctx.deposits, flt)]
        await _write(Path(path), _csv_bytes(DEPOSIT_COLUMNS, rows))
        return len(rows)

    @staticmethod
    async def export_records(
        orders: list[OrderRecord], deposits: list[DepositRecord], path: Path
    ) -> list[Path]:
        """Write these records (a view the operator filtered) with the export columns.

        Orders and deposits have different columns, so both together give two files:
        ``NAME.csv`` (orders) and ``NAME-deposits.csv``. Returns the files written.
        """
        target = Path(path)
        jobs: list[tuple[Path, bytes]] = []
        if orders or not deposits:
            jobs.append((target, _csv_bytes(ORDER_COLUMNS, [order_row(o) for o in orders])))
        if deposits:
            name = target.with_name(target.stem + "-deposits" + target.suffix) if orders else target
            jobs.append((name, _csv_bytes(DEPOSIT_COLUMNS, [deposit_row(d) for d in deposits])))
        for file, data in jobs:
            await _write(file, data)
        return [file for file, _data in jobs]

    async def _all(self, repository, flt: ActivityFilter | None) -> list:
        flt = flt or ActivityFilter()
        flt = replace(flt, profile=self.ctx.require_profile().name, limit=PAGE, offset=0)
        records: list = []
        while True:
            page = await repository.search(flt)
            records.extend(page)
            if len(page) < PAGE:
                return records
            flt = replace(flt, offset=flt.offset + PAGE)
