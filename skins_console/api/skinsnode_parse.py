"""SkinsNode JSON → core models.

Strict where money, identity or status is concerned (a wrong amount must never be
believed; a status must be one SkinsNode documents, never a local state such as
``rejected``; numbers must be whole and fit in 64 bits, balances and prices not negative),
tolerant everywhere else: unknown fields are kept in ``raw``, nulls and missing optional
fields become ``None``. Every function raises :class:`ShapeError` with a reason that names
the field; the client turns it into ``MalformedResponseError`` (or, for one catalog entry,
into a line of ``Catalog.skipped``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skins_console.api.shape import ShapeError
from skins_console.core.cs2 import parse_float_value
from skins_console.core.models import (
    Catalog,
    CatalogItem,
    Failure,
    Health,
    OrderAccepted,
    OrderState,
    Wallet,
    parse_time,
    utcnow,
)
from skins_console.core.money import MoneyError, check_int64, parse_cents
from skins_console.core.statuses import ORDER_KNOWN, ORDER_LOCAL, is_status_word


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ShapeError(f"{what} is {type(data).__name__}, expected a JSON object")
    return data


def _required_str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if isinstance(value, str) and value.strip():
        return value
    if value is None:
        raise ShapeError(f"{key} is missing")
    raise ShapeError(f"{key} is {value!r}, expected a non-empty string")


def _optional_str(value: Any) -> str | None:
    """Strings pass; numbers (an offer id sent as a number) become their digits."""
    if value.__class__ is str:  # the common case first: this runs 600,000 times a catalog
        return value if value and not value.isspace() else None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int):
        return str(value)
    return None


def _optional_int(value: Any, field: str) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        return None
    try:
        return check_int64(number, field=field)
    except MoneyError as exc:
        raise ShapeError(str(exc)) from None


def _cents(value: Any, field: str, *, negative: bool = False) -> int:
    try:
        cents = parse_cents(value, field=field)
    except MoneyError as exc:
        raise ShapeError(str(exc)) from None
    if cents < 0 and not negative:
        raise ShapeError(f"{field} is negative ({cents})")
    return cents


def _status(obj: Mapping[str, Any]) -> str:
    """A SkinsNode order status, never one of the console's own states.

    The contract says to show a status it does not list verbatim and treat it as non-terminal
    (``core.statuses.should_apply`` does), so a new provider status is kept as long as it
    reads as a status word; free text or a local state's spelling is a garbled answer.
    """
    status = _required_str(obj, "status")
    if status in ORDER_LOCAL:
        raise ShapeError(f"status {status!r} is a console state, not a SkinsNode status")
    if status not in ORDER_KNOWN and not is_status_word(status):
        raise ShapeError(f"status {status[:40]!r} is not a SkinsNode order status")
    return status


# --- health and wallet -----------------------------------------------------------------


def parse_health(data: Any) -> Health:
    obj = _object(data, "the health answer")
    status = obj.get("status")
    return Health(ok=status == "ok", service=_optional_str(obj.get("service")), raw=obj)


def parse_wallet(data: Any, *, fetched_at: datetime | None = None) -> Wallet:
    obj = _object(data, "the wallet answer")
    if "availableBalance" not in obj or obj["availableBalance"] is None:
        raise ShapeError("availableBalance is missing")
    return Wallet(
        client_id=_optional_str(obj.get("clientId")),
        currency=_optional_str(obj.get("currency")) or "USD",
        available_cents=_cents(obj["availableBalance"], "availableBalance"),
        fetched_at=fetched_at or utcnow(),
        raw=obj,
    )


# --- catalog ---------------------------------------------------------------------------


def parse_catalog_item(entry: Any) -> CatalogItem:
    obj = _object(entry, "the entry")
    item_id = _required_str(obj, "id")
    name = _required_str(obj, "marketHashName")
    if "price" not in obj or obj["price"] is None:
        raise ShapeError("price is missing")
    price = _cents(obj["price"], "price")
    get = obj.get
    return CatalogItem(
        id=item_id,
        market_hash_name=name,
        price_cents=price,
        currency=_optional_str(get("currency")) or "USD",
        phase=_optional_str(get("phase")),
        float_value=parse_float_value(get("floatValue")),
        paint_index=_optional_int(get("paintIndex"), "paintIndex"),
        paint_seed=_optional_int(get("paintSeed"), "paintSeed"),
        rarity_color=_optional_str(get("rarityColor")),
        class_id=_optional_str(get("classId")),
        instance_id=_optional_str(get("instanceId")),
        image_url=_optional_str(get("imageUrl")),
        raw=obj,
    )


def parse_catalog(data: Any, *, fetched_at: datetime | None = None) -> Catalog:
    """The whole catalog; an entry that cannot be read goes to ``skipped`` with its reason
    (``(index, reason)``), so one bad item never hides the other 99,999."""
    obj = _object(data, "the catalog answer")
    if "items" not in obj:
        raise ShapeError("items is missing")
    entries = obj["items"]
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ShapeError(f"items is {type(entries).__name__}, expected a list")
    items: list[CatalogItem] = []
    skipped: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            item = parse_catalog_item(entry)
        except ShapeError as exc:
            label = _entry_label(entry)
            skipped.append((index, f"{label}{exc}"))
            continue
        if item.id in seen:
            skipped.append((index, f"{_entry_label(entry)}duplicate id {item.id}"))
            continue
        seen.add(item.id)
        items.append(item)
    return Catalog(items=tuple(items), fetched_at=fetched_at or utcnow(), skipped=tuple(skipped))


def _entry_label(entry: Any) -> str:
    if isinstance(entry, dict):
        name = entry.get("marketHashName") or entry.get("id")
        if isinstance(name, str) and name:
            return f"{name[:80]}: "
    return ""


# --- orders ----------------------------------------------------------------------------


def parse_order_accepted(data: Any) -> OrderAccepted:
    """The 202 answer to a create; the client checks that it names the order sent."""
    obj = _object(data, "the order answer")
    return OrderAccepted(
        external_id=_required_str(obj, "externalId"),
        status=_status(obj),
        accepted_at=parse_time(obj.get("acceptedAt")),
        raw=obj,
    )


def parse_failure(value: Any) -> Failure | None:
    if value is None:
        return None
    if isinstance(value, dict):
        code = _optional_str(value.get("code")) or "unknown"
        message = _optional_str(value.get("message")) or ""
        return Failure(code=code, message=message)
    if isinstance(value, str) and value.strip():
        return Failure(code=value.strip(), message="")
    return None


def parse_timestamps(value: Any) -> dict[str, datetime]:
    if not isinstance(value, dict):
        return {}
    result: dict[str, datetime] = {}
    for key, text in value.items():
        when = parse_time(text)
        if when is not None:
            result[str(key)] = when
    return result


def parse_order_state(data: Any) -> OrderState:
    """``GET /v1/orders/{externalId}`` or an ``order.updated`` webhook payload.

    The order lookup nests money in ``pricing`` and errors in ``failure``; the webhook has
    a top-level ``amount``/``currency`` and ``error``. Both shapes are read.
    """
    obj = _object(data, "the order")
    pricing = obj.get("pricing")
    amount_raw: Any = None
    currency = None
    if isinstance(pricing, dict):
        amount_raw = pricing.get("amount")
        currency = _optional_str(pricing.get("currency"))
    elif pricing is not None:
        raise ShapeError(f"pricing is {type(pricing).__name__}, expected an object")
    if amount_raw is None:
        amount_raw = obj.get("amount")
    currency = currency or _optional_str(obj.get("currency"))
    amount = None if amount_raw is None else _cents(amount_raw, "pricing.amount")
    failure_raw = obj.get("failure") if "failure" in obj else obj.get("error")
    item = obj.get("item")
    return OrderState(
        external_id=_required_str(obj, "externalId"),
        status=_status(obj),
        steam_offer_id=_optional_str(obj.get("steamOfferId")),
        trade_url=_optional_str(obj.get("tradeUrl")),
        amount_cents=amount,
        currency=currency,
        failure=parse_failure(failure_raw),
        timestamps=parse_timestamps(obj.get("timestamps")),
        item=item if isinstance(item, dict) else None,
        raw=obj,
    )


def accepted_from_state(state: OrderState) -> OrderAccepted:
    """An order found while reconciling a lost create answer counts as accepted."""
    accepted_at = None
    for key in ("acceptedAt", "accepted", "accepted_at", "createdAt", "created"):
        if key in state.timestamps:
            accepted_at = state.timestamps[key]
            break
    if accepted_at is None and state.timestamps:
        accepted_at = min(state.timestamps.values())
    return OrderAccepted(
        external_id=state.external_id, status=state.status, accepted_at=accepted_at, raw=state.raw
    )
