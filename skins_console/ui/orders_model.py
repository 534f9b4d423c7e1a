"""Every SkinsNode order and Skinslink deposit of the profile, as one table.

Rows come from the store (``OrderRecord``/``DepositRecord``); the model only derives what
the table shows: the counterparty, the amount, the deadline that matters for the current
status and whether the row needs the operator. Filtering is a ``QSortFilterProxyModel``
with a multi-criteria ``filterAcceptsRow`` (a profile holds thousands of rows, not 100k).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from skins_console.core.columns import Column, headers
from skins_console.core.columns import texts as column_texts
from skins_console.core.durations import format_age, format_remaining
from skins_console.core.margin import MARGIN_CURRENCY, format_amount, order_figures
from skins_console.core.models import utcnow
from skins_console.core.money import format_cents, format_usd
from skins_console.core.record_columns import CHARGED_TIP, MARGIN_TIP, OPERATOR_COLUMNS
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import (
    TRADE_WINDOW,
    Group,
    Provider,
    attention_reason,
    info,
    is_terminal,
)
from skins_console.core.trade_url import STEAMID64_BASE
from skins_console.ui.column_model import ItemRole, SortRole
from skins_console.ui.wording import provider_spelling, status_word

# Plain ints: ``data()`` runs for every role of every visible cell on each repaint, and an
# enum attribute lookup per comparison is most of its cost.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ITEM = int(ItemRole)
_SORT = int(SortRole)
_HANDLED = frozenset({_DISPLAY, _TOOLTIP, _ALIGN, _ITEM, _SORT})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

R = TypeVar("R", OrderRecord, DepositRecord)

#: changed-row runs signalled per event-loop turn while many rows move at once
CHUNK = 40
#: changed records applied per event-loop turn (``update_records_in_slices``): a tracking
#: pass re-reads a few hundred at once, and a row rebuilt costs ~15 us of the GUI thread
SLICE = 64

#: What a poll that found nothing new writes (``store/lifecycle_repository.apply_status``
#: and ``schedule_check``): a record that differs from its row's only in these is shown the
#: same, so the row keeps what it derived and only takes the new record.
POLL_BOOKKEEPING = frozenset({"last_checked_at", "next_check_at", "raw_remote"})


def _shown_part(record_type: type) -> Callable[[Any], tuple]:
    return attrgetter(*(f.name for f in fields(record_type) if f.name not in POLL_BOOKKEEPING))


@dataclass(frozen=True, slots=True)
class ActivityItem:
    provider: Provider
    key: str
    items: str
    counterparty: str
    amount_text: str
    amount_sort: Decimal
    status: str
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None
    deadline_label: str
    record: OrderRecord | DepositRecord
    #: what the buyer paid and the margin (orders; "" for deposits), and why there is none
    charged_text: str = ""
    margin_text: str = ""
    margin_sort: Decimal | None = None
    margin_note: str = ""
    #: the text of the columns before the countdown, in column order
    texts: tuple[str, ...] = ()
    #: what the text filter searches, lower-cased
    haystack: str = ""

    def __post_init__(self) -> None:
        if not self.texts:
            # Computed once per record: data() runs for every visible cell on each repaint.
            object.__setattr__(self, "texts", column_texts(_TEXT_COLUMNS, self))

    @property
    def is_order(self) -> bool:
        return self.provider is Provider.SKINSNODE

    @property
    def money_summary(self) -> str:
        """The details pane's amount line: an order's cost, charged amount and margin."""
        if not self.is_order or not self.charged_text:
            return self.amount_text
        margin = (
            f"margin {self.margin_text}" if self.margin_text else f"no margin: {self.margin_note}"
        )
        return f"cost {self.amount_text} · charged {self.charged_text} · {margin}"

    def shown(self) -> tuple:
        """Everything the table shows or filters on; a poll that only moves
        ``last_checked_at`` leaves it equal, so the view is not repainted for it."""
        return (
            self.texts,
            self.haystack,
            self.created_at,
            self.updated_at,
            self.deadline,
            self.deadline_label,
        )

    def attention_reason(self, now: datetime) -> str | None:
        """Why the operator should look at this row now, or None (``core.statuses``)."""
        return attention_reason(
            self.provider, self.status, updated_at=self.updated_at, deadline=self.deadline, now=now
        )


def _items_text(items: tuple[dict, ...]) -> str:
    names = [str(item.get("name", "?")) for item in items]
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]} and {len(names) - 1} more"


def from_order(order: OrderRecord) -> ActivityItem:
    if order.buyer_steamid64:
        buyer = order.buyer_steamid64
    elif order.buyer_partner:
        buyer = str(STEAMID64_BASE + order.buyer_partner)
    else:
        buyer = ""
    cents = order.amount_cents if order.amount_cents is not None else order.expected_price_cents
    figures = order_figures(order)
    deadline, label = None, ""
    if order.status == "sent":
        start = order.sent_at or order.updated_at
        deadline, label = start + TRADE_WINDOW, "buyer must accept"
    elif order.settles_at is not None and (
        not is_terminal(Provider.SKINSNODE, order.status) or order.status == "completed"
    ):
        deadline, label = order.settles_at, "settles"
    return _item(
        order,
        provider=Provider.SKINSNODE,
        key=order.external_id,
        items=order.item_name,
        counterparty=buyer,
        amount_text=format_cents(cents, order.currency or "USD"),
        amount_sort=Decimal(cents) / 100,
        deadline=deadline,
        deadline_label=label,
        offer_id=order.steam_offer_id,
        charged_text=figures.charged.text() if figures.charged else "",
        margin_text=""
        if figures.margin is None
        else format_amount(figures.margin, MARGIN_CURRENCY),
        margin_sort=figures.margin,
        margin_note=figures.note,
    )


def from_deposit(deposit: DepositRecord) -> ActivityItem:
    if deposit.amount is not None:
        amount = deposit.amount
    else:
        amount = sum((Decimal(str(i.get("min_price") or 0)) for i in deposit.items), Decimal(0))
    deadline, label = None, ""
    if deposit.status == "active" and deposit.trade_offer_expiry_at is not None:
        deadline, label = deposit.trade_offer_expiry_at, "offer expires"
    elif deposit.status == "hold" and deposit.hold_end_date is not None:
        deadline, label = deposit.hold_end_date, "hold ends"
    return _item(
        deposit,
        provider=Provider.SKINSLINK,
        key=deposit.merchant_tx_id,
        items=_items_text(deposit.items),
        counterparty=str(STEAMID64_BASE + deposit.partner) if deposit.partner else "",
        amount_text=format_usd(amount) if deposit.amount is not None else "",
        amount_sort=amount,
        deadline=deadline,
        deadline_label=label,
        offer_id=deposit.trade_offer_id,
    )


def _item(record: OrderRecord | DepositRecord, *, offer_id: str | None, **fields) -> ActivityItem:
    # A row's status and times are its record's, for either provider.
    fields.update(
        status=record.status,
        created_at=record.created_at,
        updated_at=record.updated_at,
        record=record,
    )
    # The merchant's word and the provider's spelling: "delivered" and "completed" both find it.
    status = f"{status_word(fields['provider'], fields['status'])} {fields['status']}"
    haystack = (
        f"{fields['key']} {fields['items']} {fields['counterparty']} {offer_id or ''} {status}"
    )
    if fields.get("charged_text"):
        haystack += f" {fields['charged_text']}"
    return ActivityItem(**fields, haystack=haystack.lower())


#: what a poll that found nothing new leaves alone, per record type
_ORDER_SHOWN = _shown_part(OrderRecord)
_DEPOSIT_SHOWN = _shown_part(DepositRecord)


def _deadline_sort(row: ActivityItem) -> datetime:
    return row.deadline or datetime.max.replace(tzinfo=row.created_at.tzinfo)


def _clock_text(row: ActivityItem) -> str:
    # The deadline and age cells move with the model's clock; OrdersModel.data draws them.
    return ""


def _margin_cell(row: ActivityItem) -> str:
    # An order whose margin cannot be said shows a dash (the tooltip says why); a deposit
    # has no charged amount at all and stays blank.
    if row.margin_text or not row.is_order:
        return row.margin_text
    return "—" if row.charged_text else ""


def _margin_sort(row: ActivityItem) -> Decimal:
    return row.margin_sort if row.margin_sort is not None else Decimal("-1e15")


#: who wrote the record (team mode), as the CSV and the CLI say it
_OPERATOR = OPERATOR_COLUMNS[0]

#: The Orders table, declared once: headers, cell text, sort keys, alignment. Status comes
#: early: at 1024×640 with the details pane open, only the first five columns show.
ACTIVITY_COLUMNS: tuple[Column[ActivityItem], ...] = (
    Column("provider", "Provider", lambda r: r.provider.label, sort=lambda r: r.provider.value),
    Column("key", "ID", lambda r: r.key),
    Column("status", "Status", lambda r: status_word(r.provider, r.status)),
    Column("items", "Item(s)", lambda r: r.items),
    Column("counterparty", "Buyer / seller", lambda r: r.counterparty),
    Column("amount", "Amount", lambda r: r.amount_text, sort=lambda r: r.amount_sort,
           align="right"),
    Column("charged", "Charged", lambda r: r.charged_text, sort=lambda r: r.charged_text,
           align="right", tooltip=CHARGED_TIP),
    Column("margin", "Margin", _margin_cell, sort=_margin_sort, align="right",
           tooltip=MARGIN_TIP),
    Column(_OPERATOR.key, _OPERATOR.header, lambda r: _OPERATOR.text(r.record)),
    Column("deadline", "Deadline", _clock_text, sort=_deadline_sort),
    Column("age", "Age", _clock_text, sort=lambda r: r.created_at, align="right"),
)  # fmt: skip
(
    COL_PROVIDER,
    COL_ID,
    COL_STATUS,
    COL_ITEMS,
    COL_BUYER,
    COL_AMOUNT,
    COL_CHARGED,
    COL_MARGIN,
    COL_OPERATOR,
    COL_COUNTDOWN,
    COL_AGE,
) = range(len(ACTIVITY_COLUMNS))
HEADERS = headers(ACTIVITY_COLUMNS)
_TEXT_COLUMNS = ACTIVITY_COLUMNS[:COL_COUNTDOWN]
_SORT_KEYS = tuple(column.sort_key for column in ACTIVITY_COLUMNS)
_ALIGNED = tuple(_RIGHT if column.align == "right" else None for column in ACTIVITY_COLUMNS)


class OrdersModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[ActivityItem] = []
        self.now: datetime = utcnow()
        self._index_by_key: dict[tuple[str, str], int] = {}
        #: changed-row runs not signalled yet (see _emit_chunk)
        self._pending: list[tuple[int, int]] = []
        #: counts full reloads: records applied in slices stop when a newer read lands
        self._generation = 0
        #: who wrote the rows (team mode), kept up to date as rows come and change
        self._operators: set[str] = set()

    def set_records(self, orders: list[OrderRecord], deposits: list[DepositRecord]) -> None:
        """Show exactly these records (a full reload)."""
        rows = [from_order(o) for o in orders] + [from_deposit(d) for d in deposits]
        rows.sort(key=lambda r: r.created_at, reverse=True)
        self.now = utcnow()
        self._generation += 1
        self._flush_pending()
        if not self._update_in_place(rows):
            self.beginResetModel()
            self.rows = rows
            self._reindex()
            self.endResetModel()

    def update_records(
        self, orders: Sequence[OrderRecord], deposits: Sequence[DepositRecord]
    ) -> tuple[set[tuple[str, str]], bool]:
        """Replace the rows of these records, which the store says have changed.

        Returns the keys (provider, key) of records the model does not hold yet (the
        caller reloads to place them) and whether any shown value changed. Most changes
        are polls that only move ``last_checked_at``: the row takes the new record (the
        details pane shows it) without being rebuilt, and the view is not told, so nothing
        is repainted.
        """
        self._flush_pending()
        missing: set[tuple[str, str]] = set()
        changed: list[int] = []
        for order in orders:
            key = (Provider.SKINSNODE.value, order.external_id)
            self._take(key, order, from_order, _ORDER_SHOWN, missing, changed)
        for deposit in deposits:
            key = (Provider.SKINSLINK.value, deposit.merchant_tx_id)
            self._take(key, deposit, from_deposit, _DEPOSIT_SHOWN, missing, changed)
        self._signal_rows(sorted(changed))
        return missing, bool(changed)

    def _take(
        self,
        key: tuple[str, str],
        record: R,
        build: Callable[[R], ActivityItem],
        shown_part: Callable[[Any], tuple],
        missing: set[tuple[str, str]],
        changed: list[int],
    ) -> None:
        position = self._index_by_key.get(key)
        if position is None:
            missing.add(key)
            return
        old = self.rows[position]
        if shown_part(record) == shown_part(old.record):
            self.rows[position] = replace(old, record=record)
            return
        item = build(record)
        if item.shown() != old.shown():
            changed.append(position)
        self.rows[position] = item
        self._operators.add(item.texts[COL_OPERATOR])

    async def update_records_in_slices(
        self,
        orders: Sequence[OrderRecord],
        deposits: Sequence[DepositRecord],
        *,
        size: int = SLICE,
    ) -> tuple[set[tuple[str, str]], bool]:
        """:meth:`update_records`, ``size`` records per event-loop turn.

        A tracking pass re-reads hundreds of records at once; applied in one callback they
        kept the GUI thread from painting for 15-25 ms while the store's thread competed
        for the GIL (bench_tracking_window --diagnose). A full reload
        (:meth:`set_records`) landing in between shows newer records than the rest of
        these: the rest is dropped.
        """
        import asyncio  # loaded by then; ui/launch.py paints before asyncio is imported

        generation = self._generation
        missing: set[tuple[str, str]] = set()
        moved = False
        slices: list[tuple[Sequence[OrderRecord], Sequence[DepositRecord]]] = [
            (orders[i : i + size], ()) for i in range(0, len(orders), size)
        ]
        slices += [((), deposits[i : i + size]) for i in range(0, len(deposits), size)]
        for number, (some_orders, some_deposits) in enumerate(slices):
            if number:
                await asyncio.sleep(0)  # let Qt paint and run its timers
                if generation != self._generation:
                    break
            gone, shown = self.update_records(some_orders, some_deposits)
            missing |= gone
            moved = moved or shown
        return missing, moved

    def _update_in_place(self, rows: list[ActivityItem]) -> bool:
        """The tracker reloads every few hundred ms while statuses move: when the rows are
        the same ones (or new ones on top), signal only what changed. A reset would make
        the view re-lay out thousands of rows and stall the loop (bench_tracking_window).
        """
        added = len(rows) - len(self.rows)
        if added < 0 or not self.rows:
            return False
        keys = [(r.provider, r.key) for r in rows[added:]]
        if keys != [(r.provider, r.key) for r in self.rows]:
            return False
        if added:
            self.beginInsertRows(QModelIndex(), 0, added - 1)
            self.rows[:0] = rows[:added]
            self._reindex()
            self.endInsertRows()
        changed = [i for i in range(added, len(rows)) if rows[i].shown() != self.rows[i].shown()]
        self.rows = rows
        self._operators = {row.texts[COL_OPERATOR] for row in rows}
        self._signal_rows(changed)
        return True

    def _signal_rows(self, changed: list[int]) -> None:
        """One signal per run of adjacent changed rows (ascending): a single span over
        scattered changes makes the sorting proxy re-check every row in between."""
        runs: list[tuple[int, int]] = []
        for i in changed:
            if runs and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
        self._pending = runs
        self._emit_chunk()

    def _emit_chunk(self) -> None:
        """Signal up to ``CHUNK`` runs now and the rest on later loop turns: when hundreds
        of orders move at once, the proxy's re-sort would otherwise stall the loop."""
        chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
        last_col = len(HEADERS) - 1
        for start, end in chunk:
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_col))
        if self._pending:
            QTimer.singleShot(0, self, self._emit_chunk)

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        last_col = len(HEADERS) - 1
        for start, end in pending:
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_col))

    def operators(self) -> set[str]:
        """The operators who wrote the rows (team mode; none for older records)."""
        return self._operators - {""}

    def _reindex(self) -> None:
        self._index_by_key = {(r.provider.value, r.key): i for i, r in enumerate(self.rows)}
        self._operators = {row.texts[COL_OPERATOR] for row in self.rows}

    def row_for(self, provider: str, key: str) -> int | None:
        return self._index_by_key.get((provider, key))

    def item_for(self, provider: str, key: str) -> ActivityItem | None:
        position = self._index_by_key.get((provider, key))
        return None if position is None else self.rows[position]

    def tick(self, now: datetime, first_row: int, last_row: int) -> None:
        """Advance the clock; repaint only the countdown/age cells of rows ``first..last``."""
        self.now = now
        if first_row < 0 or not self.rows:
            return
        last_row = min(last_row, len(self.rows) - 1)
        self.dataChanged.emit(
            self.index(first_row, COL_COUNTDOWN),
            self.index(last_row, COL_AGE),
            [Qt.ItemDataRole.DisplayRole],
        )

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        # The view asks for a dozen roles per cell and paint; most are not ours.
        if role not in _HANDLED:
            return None
        position = index.row()
        if not 0 <= position < len(self.rows):
            return None
        row = self.rows[position]
        col = index.column()
        if role == _DISPLAY:
            if col < COL_COUNTDOWN:
                return row.texts[col] if col >= 0 else None
            if col == COL_COUNTDOWN:
                if row.deadline is None:
                    return ""
                return f"{format_remaining(row.deadline - self.now)} ({row.deadline_label})"
            if col == COL_AGE:
                return format_age(self.now - row.created_at)
            return None
        if role == _ALIGN:
            return _ALIGNED[col]
        if role == _ITEM:
            return row
        if role == _SORT:
            return _SORT_KEYS[col](row)
        # tooltip
        if col == COL_STATUS:
            reason = row.attention_reason(self.now)
            spelling = provider_spelling(row.provider, row.status)
            return f"Needs attention: {reason}\n{spelling}" if reason else spelling
        if col == COL_COUNTDOWN and row.deadline is not None:
            return row.deadline.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if col == COL_ITEMS:
            return row.items
        if col in (COL_CHARGED, COL_MARGIN) and row.margin_note and row.is_order:
            return f"No margin: {row.margin_note}"
        return None


@dataclass(frozen=True, slots=True)
class OrdersFilter:
    text: str = ""
    provider: str | None = None
    statuses: frozenset[str] = frozenset()
    #: a merchant filter group (both providers' spellings)
    group: Group | None = None
    since: datetime | None = None
    until: datetime | None = None
    needs_attention: bool = False


class OrdersProxy(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = OrdersFilter()
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    @property
    def current_filter(self) -> OrdersFilter:
        return self._filter

    def set_filter(self, flt: OrdersFilter) -> None:
        self.beginFilterChange()
        self._filter = flt
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if not isinstance(model, OrdersModel):
            raise TypeError(f"OrdersProxy filters an OrdersModel, not {type(model).__name__}")
        row = model.rows[source_row]
        flt = self._filter
        if flt.provider and row.provider.value != flt.provider:
            return False
        if flt.statuses and row.status not in flt.statuses:
            return False
        if flt.group is not None and info(row.provider, row.status).group is not flt.group:
            return False
        if flt.since is not None and row.created_at < flt.since:
            return False
        if flt.until is not None and row.created_at >= flt.until:
            return False
        if flt.needs_attention and row.attention_reason(model.now) is None:
            return False
        if flt.text:
            haystack = row.haystack
            if any(word not in haystack for word in flt.text.lower().split()):
                return False
        return True
