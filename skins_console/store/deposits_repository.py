"""Skinslink deposits (buying from users): written before they are sent, moved forward only.

Transaction functions (durable ones commit with ``synchronous=FULL``)::

    insert_deposit_draft(conn, *, profile, request: DepositRequest, quote_id=None, now=None)
        -> DepositRecord       (durable) row (status "draft", exact body) + first event
    mark_deposit_sending(conn, profile, merchant_tx_id, *, now=None) -> DepositRecord (durable)
    mark_deposit_rejected(conn, profile, merchant_tx_id, *, code, message, details=None,
                          now=None) -> bool
    apply_deposit_state(conn, profile, state: DepositState, *, source="poll", now=None,
                        next_check_at=None) -> bool
        found by state.merchant_tx_id, else by state.id (trade id); applied only if
        core.statuses.should_apply allows it; status_change event in the same transaction
    schedule_deposit_check(conn, profile, merchant_tx_id, *, next_check_at, checked_at=None)
    record_deposit_event(conn, profile, merchant_tx_id, type, message, *, details=None, now=None)
    get_deposit(conn, profile, merchant_tx_id) -> DepositRecord | None
    get_deposits(conn, profile, merchant_tx_ids) -> list[DepositRecord]   (known ones, any order)
    get_deposit_by_trade_id(conn, profile, trade_id) -> DepositRecord | None
    find_deposit_by_trade_id(conn, trade_id) -> DepositRecord | None   # any profile (webhooks)
    list_due_deposits(conn, now, *, profile=None, limit=100) -> list[DepositRecord]
    list_open_deposits(conn, profile=None) -> list[DepositRecord]
    search_deposits(conn, filter: ActivityFilter, *, now=None) -> list[DepositRecord]

``DepositsRepository(db)``: the same as ``async`` methods (names without ``_deposit``).
What deposits share with orders is written once in ``lifecycle_repository``; this module
says what is a deposit's own (its columns, its draft, its report fields, the trade id).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from skins_console.core.errors import StoreError
from skins_console.core.models import DepositRequest, DepositState, utcnow
from skins_console.core.records import DepositRecord
from skins_console.core.statuses import Provider
from skins_console.store import lifecycle_repository as book_
from skins_console.store.codec import dec, dumps_exact, from_ts, loads_json, loads_json_tuple
from skins_console.store.connection import StoreConnection
from skins_console.store.database import durable
from skins_console.store.lifecycle_repository import Book, LifecycleRepository, bound
from skins_console.store.repository import reads, writes

_TIMES = (
    "trade_offer_expiry_at",
    "hold_end_date",
    "sent_at",
    "completed_at",
    "last_checked_at",
    "next_check_at",
    "created_at",
    "updated_at",
)


def _locate(conn: StoreConnection, profile: str, state: DepositState) -> str:
    """Found by ``state.merchant_tx_id``, else by ``state.id`` (the trade id)."""
    deposit = get_deposit(conn, profile, state.merchant_tx_id) if state.merchant_tx_id else None
    if deposit is None:
        deposit = get_deposit_by_trade_id(conn, profile, state.id)
    if deposit is None:
        raise StoreError(
            f"There is no deposit {state.merchant_tx_id or state.id} in profile “{profile}”.",
            code="unknown_deposit",
        )
    return deposit.merchant_tx_id


def _reported(state: DepositState) -> tuple[dict[str, Any], dict[str, Any] | None]:
    merge = {
        "amount": dec(state.amount),
        "bot_name": state.bot_name,
        "bot_steam_id": state.bot_steam_id,
        "trade_offer_id": state.trade_offer_id,
        "trade_offer_expiry_at": state.trade_offer_expiry_at,
        "hold_end_date": state.hold_end_date,
        "fail_reason": state.fail_reason,
    }
    return merge, {"fail_reason": state.fail_reason} if state.fail_reason else None


DEPOSITS = Book(
    provider=Provider.SKINSLINK,
    kind="deposit",
    table="deposits",
    key="merchant_tx_id",
    record=DepositRecord,
    decoders={
        **dict.fromkeys(_TIMES, from_ts),
        "request_body": loads_json,
        "raw_remote": loads_json,
        "items": loads_json_tuple,
        "amount": Decimal,
    },
    text_columns=(
        "merchant_tx_id",
        "CAST(trade_id AS TEXT)",
        "items",
        "trade_offer_id",
        "CAST(partner AS TEXT)",
        "bot_name",
        # the seller's name in the buyer book
        "(SELECT label FROM customers c "
        "WHERE c.profile = deposits.profile AND c.partner = deposits.partner)",
    ),
    create_call="create-deposit-by-hash-name",
    key_label="merchant_tx_id",
    refusal=lambda code, message: {"fail_reason": code},
    locate=_locate,
    reported=_reported,
)

get_deposit = bound(book_.get_record, DEPOSITS, "get_deposit")
get_deposits = bound(book_.get_records, DEPOSITS, "get_deposits")
mark_deposit_sending = bound(book_.mark_sending, DEPOSITS, "mark_deposit_sending")
mark_deposit_rejected = bound(book_.mark_rejected, DEPOSITS, "mark_deposit_rejected")
schedule_deposit_check = bound(book_.schedule_check, DEPOSITS, "schedule_deposit_check")
record_deposit_event = bound(book_.record_event, DEPOSITS, "record_deposit_event")
list_due_deposits = bound(book_.list_due, DEPOSITS, "list_due_deposits")
next_open_check_at = bound(book_.next_open_check_at, DEPOSITS, "next_open_check_at")
list_open_deposits = bound(book_.list_open, DEPOSITS, "list_open_deposits")
search_deposits = bound(book_.search, DEPOSITS, "search_deposits")
apply_deposit_state = bound(book_.apply_state, DEPOSITS, "apply_deposit_state")


def get_deposit_by_trade_id(
    conn: StoreConnection, profile: str, trade_id: int
) -> DepositRecord | None:
    return DEPOSITS.one(
        conn,
        "WHERE profile = ? AND trade_id = ? ORDER BY created_at DESC LIMIT 1",
        (profile, trade_id),
    )


def find_deposit_by_trade_id(conn: StoreConnection, trade_id: int) -> DepositRecord | None:
    return DEPOSITS.one(conn, "WHERE trade_id = ? ORDER BY created_at DESC LIMIT 1", (trade_id,))


@durable
def insert_deposit_draft(
    conn: StoreConnection,
    *,
    profile: str,
    request: DepositRequest,
    quote_id: int | None = None,
    now: datetime | None = None,
) -> DepositRecord:
    return book_.insert_draft_row(
        DEPOSITS,
        conn,
        profile=profile,
        key=request.merchant_tx_id,
        values={
            "trade_id": request.trade_id,
            "quote_id": quote_id,
            "game": request.game,
            "partner": request.partner,
            "token": request.token,
            "items": dumps_exact([item.to_json() for item in request.items]),
        },
        body=request.to_json(),
        now=now or utcnow(),
    )


class DepositsRepository(LifecycleRepository):
    book = DEPOSITS
    insert_draft = writes(insert_deposit_draft)
    get_by_trade_id = reads(get_deposit_by_trade_id)
    find_by_trade_id = reads(find_deposit_by_trade_id)
