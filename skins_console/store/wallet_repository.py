"""SkinsNode balance history (for the wallet chart and the projected balance).

Transaction functions::

    add_wallet_snapshot(conn, snapshot: WalletSnapshot, *, only_if_changed=False)
        -> WalletSnapshot | None     (None when only_if_changed and the balance is the same)
    latest_wallet_snapshot(conn, profile) -> WalletSnapshot | None
    # oldest first:
    wallet_history(conn, profile, *, since=None, limit=10_000) -> list[WalletSnapshot]
    prune_wallet_history(conn, profile, older_than) -> int

``WalletRepository(db)``: ``add``, ``latest``, ``history``, ``prune`` (async).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from skins_console.core.records import WalletSnapshot
from skins_console.store.codec import Rows, inserted_id, stored_time, ts
from skins_console.store.connection import StoreConnection
from skins_console.store.repository import Repository, reads, writes

WALLET_SNAPSHOTS = Rows(
    table="wallet_snapshots",
    record=WalletSnapshot,
    decoders={"at": stored_time, "available_cents": int},
)


def latest_wallet_snapshot(conn: StoreConnection, profile: str) -> WalletSnapshot | None:
    return WALLET_SNAPSHOTS.one(
        conn, "WHERE profile = ? ORDER BY at DESC, id DESC LIMIT 1", (profile,)
    )


def add_wallet_snapshot(
    conn: StoreConnection, snapshot: WalletSnapshot, *, only_if_changed: bool = False
) -> WalletSnapshot | None:
    if isinstance(snapshot.available_cents, bool) or not isinstance(snapshot.available_cents, int):
        raise TypeError("available_cents must be int cents")
    if only_if_changed:
        last = latest_wallet_snapshot(conn, snapshot.profile)
        if last is not None and (last.available_cents, last.currency) == (
            snapshot.available_cents,
            snapshot.currency,
        ):
            return None
    result = conn.execute(
        "INSERT INTO wallet_snapshots (profile, at, available_cents, currency) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        (snapshot.profile, ts(snapshot.at), snapshot.available_cents, snapshot.currency),
    )
    return replace(snapshot, id=inserted_id(result))


def wallet_history(
    conn: StoreConnection,
    profile: str,
    *,
    since: datetime | None = None,
    limit: int = 10_000,
) -> list[WalletSnapshot]:
    where, params = (
        ("WHERE profile = ?", (profile, limit))
        if since is None
        else ("WHERE profile = ? AND at >= ?", (profile, ts(since), limit))
    )
    # The newest ``limit`` snapshots, returned oldest first.
    rows = conn.execute(
        f"SELECT * FROM ({WALLET_SNAPSHOTS.select} {where} ORDER BY at DESC, id DESC LIMIT ?) "
        "AS recent ORDER BY at, id",
        params,
    )
    return [WALLET_SNAPSHOTS.row(r) for r in rows]


def prune_wallet_history(conn: StoreConnection, profile: str, older_than: datetime) -> int:
    return conn.execute(
        "DELETE FROM wallet_snapshots WHERE profile = ? AND at < ?", (profile, ts(older_than))
    ).rowcount


class WalletRepository(Repository):
    add = writes(add_wallet_snapshot)
    latest = reads(latest_wallet_snapshot)
    history = reads(wallet_history)
    prune = writes(prune_wallet_history)
