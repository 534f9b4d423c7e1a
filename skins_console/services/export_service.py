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
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from skins_console.core import record_columns
from skins_console.core.columns import csv_columns, keys, values
from skins_console.core.records import ActivityFilter, DepositRecord, OrderRecord
from skins_console.services.context import AppContext
from skins_console.store.settings import atomic_write

PAGE = 5000

#: the CSV headers: the keys of the columns declared in ``core/record_columns.py``
ORDER_COLUMNS = keys(csv_columns(record_columns.ORDER_COLUMNS))
DEPOSIT_COLUMNS = keys(csv_columns(record_columns.DEPOSIT_COLUMNS))


def order_row(order: OrderRecord) -> list[str]:
    return list(values(csv_columns(record_columns.ORDER_COLUMNS), order).values())


def deposit_row(deposit: DepositRecord) -> list[str]:
    return list(values(csv_columns(record_columns.DEPOSIT_COLUMNS), deposit).values())


def _csv_bytes(header: tuple[str, ...], rows: list[list[str]], *, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # UTF-8 with BOM: spreadsheet programs then read ★ and ™ in item names correctly (a
    # pipe gets no BOM: the next program would see it as part of the first header).
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


async def _write(path: Path, data: bytes) -> None:
    # Off the event loop: the atomic write fsyncs the file and its folder.
    await asyncio.to_thread(atomic_write, path, data)


class ExportService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def export_orders(self, path: Path, flt: ActivityFilter | None = None) -> int:
        data, count = await self.orders_csv(flt)
        await _write(Path(path), data)
        return count

    async def export_deposits(self, path: Path, flt: ActivityFilter | None = None) -> int:
        data, count = await self.deposits_csv(flt)
        await _write(Path(path), data)
        return count

    async def orders_csv(
        self, flt: ActivityFilter | None = None, *, bom: bool = True
    ) -> tuple[bytes, int]:
        """The CSV document of the profile's orders and its row count (``bom=False`` for a
        pipe: ``export orders --csv -``)."""
        rows = [order_row(o) for o in await self._all(self.ctx.orders, flt)]
        return _csv_bytes(ORDER_COLUMNS, rows, bom=bom), len(rows)

    async def deposits_csv(
        self, flt: ActivityFilter | None = None, *, bom: bool = True
    ) -> tuple[bytes, int]:
        rows = [deposit_row(d) for d in await self._all(self.ctx.deposits, flt)]
        return _csv_bytes(DEPOSIT_COLUMNS, rows, bom=bom), len(rows)

    @staticmethod
    async def export_records(records: Sequence[OrderRecord | DepositRecord], path: Path) -> Path:
        """Write these records (a view the operator filtered, all orders or all deposits)
        with their export columns to exactly ``path``; returns it. Orders and deposits have
        different columns, so a view with both is two calls, two files the operator named.
        """
        orders = [r for r in records if isinstance(r, OrderRecord)]
        deposits = [r for r in records if isinstance(r, DepositRecord)]
        if orders and deposits:
            raise ValueError("orders and deposits go to two files")
        if deposits:
            data = _csv_bytes(DEPOSIT_COLUMNS, [deposit_row(d) for d in deposits])
        else:
            data = _csv_bytes(ORDER_COLUMNS, [order_row(o) for o in orders])
        target = Path(path)
        await _write(target, data)
        return target

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
