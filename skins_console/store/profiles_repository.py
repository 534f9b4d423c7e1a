"""Merchant profiles (non-secret fields only; secrets are in ``store.secrets``).

Transaction functions (``fn(conn, ...)``, usable with ``db.call`` and composable inside one
transaction)::

    create_profile(conn, profile: ProfileRecord, *, now=None) -> ProfileRecord
    get_profile(conn, name) -> ProfileRecord | None
    require_profile(conn, name) -> ProfileRecord            # ProfileError if missing
    list_profiles(conn) -> list[ProfileRecord]
    update_profile(conn, name, **fields) -> ProfileRecord
    rename_profile(conn, old, new) -> ProfileRecord          # cascades to every table
    set_active_profile(conn, name) -> ProfileRecord
    get_active_profile(conn) -> ProfileRecord | None
    delete_profile(conn, name)     # ProfileError while orders/deposits reference it

``ProfilesRepository(db)`` offers the same as ``async`` methods (without ``conn``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from skins_console.core.errors import ProfileError, ValidationError
from skins_console.core.models import utcnow
from skins_console.core.records import ProfileRecord, validate_profile_name
from skins_console.store.codec import Rows, from_ts, placeholders, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes

PROFILES = Rows(
    table="profiles",
    record=ProfileRecord,
    decoders={
        "min_price_tolerance_pct": Decimal,
        "low_balance_threshold_cents": int,
        "is_sandbox": bool,
        "active": bool,
        "created_at": from_ts,
    },
)
_EDITABLE = frozenset(PROFILES.columns) - {"id", "name", "active", "created_at"}
_INSERTED = tuple(column for column in PROFILES.columns if column != "id")
#: column → how it is stored, where that differs from the field (PROFILES.decoders reverse it)
_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "min_price_tolerance_pct": str,
    "is_sandbox": int,
    "active": int,
    "created_at": ts,
}


def _stored(profile: ProfileRecord, columns: Iterable[str]) -> dict[str, Any]:
    """``columns`` of ``profile`` as the table holds them."""
    stored = {column: getattr(profile, column) for column in columns}
    for column, encode in _ENCODERS.items():
        if column in stored:
            stored[column] = encode(stored[column])
    return stored


def _validate(profile: ProfileRecord) -> ProfileRecord:
    name = validate_profile_name(profile.name)
    try:
        tolerance = Decimal(str(profile.min_price_tolerance_pct))
    except InvalidOperation:
        raise ValidationError(
            "The price tolerance must be a percentage, e.g. 2.5", field="min_price_tolerance_pct"
        ) from None
    if not tolerance.is_finite() or not Decimal(0) <= tolerance <= Decimal(100):
        raise ValidationError(
            "The price tolerance must be between 0 and 100 %", field="min_price_tolerance_pct"
        )
    if (
        isinstance(profile.low_balance_threshold_cents, bool)
        or not isinstance(profile.low_balance_threshold_cents, int)
        or profile.low_balance_threshold_cents < 0
    ):
        raise ValidationError(
            "The low-balance threshold must be zero or more cents",
            field="low_balance_threshold_cents",
        )
    for field_name in ("skinsnode_base_url", "skinslink_base_url", "webhook_url"):
        value = getattr(profile, field_name) or ""
        if value and not value.startswith(("http://", "https://")):
            raise ValidationError(
                f"{field_name} must start with http:// or https://", field=field_name
            )
    return replace(profile, name=name, min_price_tolerance_pct=tolerance)


def create_profile(
    conn: StoreConnection, profile: ProfileRecord, *, now: datetime | None = None
) -> ProfileRecord:
    profile = _validate(profile)
    created = profile.created_at or now or utcnow()
    if get_profile(conn, profile.name) is not None:
        raise ProfileError(
            f"A profile named “{profile.name}” already exists.", code="profile_exists"
        )
    if profile.active:
        conn.execute("UPDATE profiles SET active = 0 WHERE active = 1")
    row = _stored(replace(profile, created_at=created), _INSERTED)
    conn.execute(
        f"INSERT INTO profiles ({', '.join(row)}) VALUES ({placeholders(row)})",
        tuple(row.values()),
    )
    return require_profile(conn, profile.name)


def get_profile(conn: StoreConnection, name: str) -> ProfileRecord | None:
    return PROFILES.one(conn, "WHERE name = ?", (name,))


def require_profile(conn: StoreConnection, name: str) -> ProfileRecord:
    profile = get_profile(conn, name)
    if profile is None:
        raise ProfileError(f"There is no profile named “{name}”.", code="profile_missing")
    return profile


def list_profiles(conn: StoreConnection) -> list[ProfileRecord]:
    return PROFILES.all(conn, "ORDER BY lower(name), name", ())


def update_profile(conn: StoreConnection, name: str, **changes: Any) -> ProfileRecord:
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ValueError(f"not editable profile fields: {sorted(unknown)}")
    current = require_profile(conn, name)
    updated = _validate(replace(current, **changes))
    row = _stored(updated, changes)
    if row:
        assignments = ", ".join(f"{column} = ?" for column in row)
        conn.execute(f"UPDATE profiles SET {assignments} WHERE name = ?", (*row.values(), name))
    return require_profile(conn, name)


def rename_profile(conn: StoreConnection, old: str, new: str) -> ProfileRecord:
    new = validate_profile_name(new)
    require_profile(conn, old)
    if new != old and get_profile(conn, new) is not None:
        raise ProfileError(f"A profile named “{new}” already exists.", code="profile_exists")
    # ON UPDATE CASCADE carries the name into orders, deposits, events and the caches.
    conn.execute("UPDATE profiles SET name = ? WHERE name = ?", (new, old))
    return require_profile(conn, new)


def set_active_profile(conn: StoreConnection, name: str) -> ProfileRecord:
    require_profile(conn, name)
    conn.execute("UPDATE profiles SET active = 0 WHERE active = 1 AND name <> ?", (name,))
    conn.execute("UPDATE profiles SET active = 1 WHERE name = ?", (name,))
    return require_profile(conn, name)


def get_active_profile(conn: StoreConnection) -> ProfileRecord | None:
    return PROFILES.one(conn, "WHERE active = 1", ())


def delete_profile(conn: StoreConnection, name: str) -> None:
    require_profile(conn, name)
    orders = conn.execute("SELECT count(*) FROM orders WHERE profile = ?", (name,)).fetchone()[0]
    deposits = conn.execute("SELECT count(*) FROM deposits WHERE profile = ?", (name,)).fetchone()[
        0
    ]
    if orders or deposits:
        raise ProfileError(
            f"The profile “{name}” has {orders} order(s) and {deposits} deposit(s) on record; "
            "it cannot be deleted while they exist (export them first, or keep the profile).",
            code="profile_in_use",
        )
    conn.execute("DELETE FROM events WHERE profile = ?", (name,))
    conn.execute("DELETE FROM profiles WHERE name = ?", (name,))


class ProfilesRepository(Repository):
    create = writes(create_profile)
    get = reads(get_profile)
    require = reads(require_profile)
    list = reads(list_profiles)
    update = writes(update_profile)
    rename = writes(rename_profile)
    set_active = writes(set_active_profile)
    get_active = reads(get_active_profile)
    delete = writes(delete_profile)
