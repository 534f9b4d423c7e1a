"""The frozen pre-Alembic SQLite steps (``PRAGMA user_version`` 1–6): the legacy prelude.

Since team mode the schema lives in ``store/schema.py`` and changes only through the Alembic
history (``store/alembic/``); these released steps stay only to bring an old SQLite file to
version 6, which ``Database`` then stamps ``0006_baseline``. Never add a step here.

Step N turns a version N-1 database into version N. Steps are never edited once released;
a change to the schema is a new step appended at the end. Steps run with
``foreign_keys=ON`` and must leave ``PRAGMA foreign_key_check`` clean (it is checked before
each commit); a step that rebuilds a table copies it under a new name and renames it back.
``Database`` runs the missing steps, each in its own transaction, after backing the file up.

Conventions: SkinsNode money is INTEGER cents; Skinslink USD is TEXT holding the exact
Decimal; timestamps are ISO-8601 UTC text (``core.models.format_time``), which sorts
chronologically; JSON columns are TEXT. No column ever holds a secret.

Public API::

    MIGRATIONS: tuple[Migration, ...]
    LATEST_VERSION: int
    apply_migrations(conn, target=LATEST_VERSION) -> list[int]   # versions applied
    schema_version(conn) -> int
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]

    def apply(self, conn: sqlite3.Connection) -> None:
        # One statement at a time: executescript() would commit the surrounding transaction.
        for statement in self.statements:
            conn.execute(statement)


#: What every book table (orders, deposits) keeps after its provider's columns: the polling
#: schedule, send attempts, times and the provider's last answer (``schema._book_table``).
_BOOK_TRACKING = """last_checked_at TEXT,
            next_check_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            raw_remote TEXT,"""

V1_CORE = Migration(
    1,
    "SkinsNode selling: profiles, orders, timeline, webhook dedupe, wallet history",
    (
        """CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            skinsnode_base_url TEXT NOT NULL,
            skinsnode_client_id TEXT NOT NULL DEFAULT '',
            webhook_url TEXT NOT NULL DEFAULT '',
            default_game TEXT NOT NULL DEFAULT '730',
            min_price_tolerance_pct TEXT NOT NULL DEFAULT '0',
            low_balance_threshold_cents INTEGER NOT NULL DEFAULT 0,
            is_sandbox INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )""",
        # At most one active profile, enforced by the engine rather than by convention.
        "CREATE UNIQUE INDEX profiles_one_active ON profiles(active) WHERE active = 1",
        f"""CREATE TABLE orders (
            profile TEXT NOT NULL REFERENCES profiles(name) ON UPDATE CASCADE,
            external_id TEXT NOT NULL,
            catalog_item_id TEXT NOT NULL,
            item_name TEXT NOT NULL,
            item_snapshot TEXT,
            expected_price_cents INTEGER NOT NULL,
            trade_url TEXT NOT NULL,
            buyer_partner INTEGER,
            buyer_steamid64 TEXT,
            webhook_url TEXT NOT NULL,
            request_body TEXT NOT NULL,
            status TEXT NOT NULL,
            steam_offer_id TEXT,
            amount_cents INTEGER,
            currency TEXT,
            failure_code TEXT,
            failure_message TEXT,
            accepted_at TEXT,
            sent_at TEXT,
            completed_at TEXT,
            settles_at TEXT,
            {_BOOK_TRACKING}
            PRIMARY KEY (profile, external_id)
        )""",
        "CREATE INDEX orders_by_created ON orders(profile, created_at)",
        "CREATE INDEX orders_by_next_check ON orders(next_check_at)",
        "CREATE INDEX orders_by_status ON orders(profile, status)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL REFERENCES profiles(name) ON UPDATE CASCADE,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            at TEXT NOT NULL,
            type TEXT NOT NULL,
            old_status TEXT,
            new_status TEXT,
            message TEXT NOT NULL DEFAULT '',
            details TEXT
        )""",
        "CREATE INDEX events_by_key ON events(profile, kind, key, id)",
        "CREATE INDEX events_by_at ON events(profile, at)",
        """CREATE TABLE webhook_deliveries (
            provider TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            key TEXT,
            UNIQUE (provider, delivery_id)
        )""",
        "CREATE INDEX webhook_deliveries_by_received ON webhook_deliveries(received_at)",
        """CREATE TABLE wallet_snapshots (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL REFERENCES profiles(name)
                ON UPDATE CASCADE ON DELETE CASCADE,
            at TEXT NOT NULL,
            available_cents INTEGER NOT NULL,
            currency TEXT NOT NULL
        )""",
        "CREATE INDEX wallet_snapshots_by_at ON wallet_snapshots(profile, at)",
    ),
)

V2_SKINSLINK = Migration(
    2,
    "Skinslink buying: profile endpoint, locked quotes, deposits",
    (
        "ALTER TABLE profiles ADD COLUMN skinslink_base_url TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE quotes (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL REFERENCES profiles(name)
                ON UPDATE CASCADE ON DELETE CASCADE,
            trade_id INTEGER,
            game TEXT NOT NULL,
            requested TEXT NOT NULL DEFAULT '[]',
            items TEXT NOT NULL,
            sum TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            lock_expires_at TEXT,
            used_by TEXT
        )""",
        "CREATE INDEX quotes_by_trade ON quotes(profile, trade_id)",
        f"""CREATE TABLE deposits (
            profile TEXT NOT NULL REFERENCES profiles(name) ON UPDATE CASCADE,
            merchant_tx_id TEXT NOT NULL,
            trade_id INTEGER NOT NULL,
            quote_id INTEGER REFERENCES quotes(id) ON DELETE SET NULL,
            game TEXT NOT NULL,
            partner INTEGER NOT NULL,
            token TEXT NOT NULL,
            items TEXT NOT NULL,
            request_body TEXT NOT NULL,
            status TEXT NOT NULL,
            amount TEXT,
            bot_name TEXT,
            bot_steam_id INTEGER,
            trade_offer_id TEXT,
            trade_offer_expiry_at TEXT,
            hold_end_date TEXT,
            fail_reason TEXT,
            sent_at TEXT,
            completed_at TEXT,
            {_BOOK_TRACKING}
            PRIMARY KEY (profile, merchant_tx_id)
        )""",
        "CREATE INDEX deposits_by_created ON deposits(profile, created_at)",
        "CREATE INDEX deposits_by_next_check ON deposits(next_check_at)",
        "CREATE INDEX deposits_by_trade ON deposits(profile, trade_id)",
    ),
)

V3_OFFLINE = Migration(
    3,
    "Offline catalog cache and the customers' trade URL book",
    (
        """CREATE TABLE catalog_cache (
            profile TEXT PRIMARY KEY REFERENCES profiles(name)
                ON UPDATE CASCADE ON DELETE CASCADE,
            fetched_at TEXT NOT NULL,
            item_count INTEGER NOT NULL
        )""",
        # WITHOUT ROWID: rows are looked up and replaced by (profile, item_id) only.
        """CREATE TABLE catalog_items (
            profile TEXT NOT NULL REFERENCES catalog_cache(profile)
                ON UPDATE CASCADE ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            market_hash_name TEXT NOT NULL,
            price_cents INTEGER NOT NULL,
            currency TEXT NOT NULL,
            phase TEXT,
            float_value TEXT,
            paint_index INTEGER,
            paint_seed INTEGER,
            rarity_color TEXT,
            class_id TEXT,
            instance_id TEXT,
            image_url TEXT,
            PRIMARY KEY (profile, item_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE customers (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL REFERENCES profiles(name)
                ON UPDATE CASCADE ON DELETE CASCADE,
            partner INTEGER NOT NULL,
            token TEXT NOT NULL,
            trade_url TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            last_success_at TEXT,
            last_error TEXT,
            UNIQUE (profile, partner)
        )""",
    ),
)

V4_WEBHOOK_REPLAYS = Migration(
    4,
    "Webhook dedupe by signed content (replays under a fresh delivery id) and a duplicate count",
    (
        "ALTER TABLE webhook_deliveries ADD COLUMN content_hash TEXT",
        "ALTER TABLE webhook_deliveries ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE webhook_deliveries ADD COLUMN last_duplicate_at TEXT",
        """CREATE UNIQUE INDEX webhook_deliveries_by_content
            ON webhook_deliveries(provider, content_hash) WHERE content_hash IS NOT NULL""",
    ),
)

V5_BUYER_BOOK = Migration(
    5,
    "Buyer book (operator note, every trade URL a buyer used) and the attention queue's "
    "handled marks",
    (
        "ALTER TABLE customers ADD COLUMN note TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE customer_trade_urls (
            profile TEXT NOT NULL,
            partner INTEGER NOT NULL,
            trade_url TEXT NOT NULL,
            first_used_at TEXT NOT NULL,
            last_used_at TEXT,
            last_success_at TEXT,
            PRIMARY KEY (profile, partner, trade_url),
            FOREIGN KEY (profile, partner) REFERENCES customers(profile, partner)
                ON UPDATE CASCADE ON DELETE CASCADE
        )""",
        # Every buyer's current URL, then the older ones their orders were sent to.
        """INSERT INTO customer_trade_urls
               (profile, partner, trade_url, first_used_at, last_used_at, last_success_at)
           SELECT profile, partner, trade_url, created_at, last_used_at, last_success_at
           FROM customers""",
        """INSERT OR IGNORE INTO customer_trade_urls
               (profile, partner, trade_url, first_used_at, last_used_at, last_success_at)
           SELECT o.profile, o.buyer_partner, o.trade_url, min(o.created_at),
                  max(o.created_at), max(CASE WHEN o.status IN ('completed', 'reversed')
                                          THEN o.completed_at END)
           FROM orders o JOIN customers c
               ON c.profile = o.profile AND c.partner = o.buyer_partner
           GROUP BY o.profile, o.buyer_partner, o.trade_url""",
        "CREATE INDEX orders_by_buyer ON orders(profile, buyer_partner)",
        "CREATE INDEX deposits_by_partner ON deposits(profile, partner)",
        # An attention item the operator marked handled, for the reason it had then: a
        # different reason later brings it back.
        """CREATE TABLE attention_handled (
            profile TEXT NOT NULL REFERENCES profiles(name)
                ON UPDATE CASCADE ON DELETE CASCADE,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            reason TEXT NOT NULL,
            handled_at TEXT NOT NULL,
            handled_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (profile, kind, key)
        )""",
    ),
)

V6_MARGIN = Migration(
    6,
    "What the buyer paid for an order (exact amount and currency) and its shop order number",
    (
        # The buyer's currency is free (USD, EUR, USDT…): the amount is the exact Decimal text.
        "ALTER TABLE orders ADD COLUMN charged_amount TEXT",
        "ALTER TABLE orders ADD COLUMN charged_currency TEXT",
        # When set it equals external_id (the shop order number is the idempotency key); it
        # says the id came from the shop, so the console can refuse a second sale of it.
        "ALTER TABLE orders ADD COLUMN shop_order TEXT",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    V1_CORE,
    V2_SKINSLINK,
    V3_OFFLINE,
    V4_WEBHOOK_REPLAYS,
    V5_BUYER_BOOK,
    V6_MARGIN,
)
LATEST_VERSION = MIGRATIONS[-1].version

assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def pending(current: int, target: int = LATEST_VERSION) -> list[Migration]:
    return [m for m in MIGRATIONS if current < m.version <= target]


def apply_migrations(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> list[int]:
    """Bring an autocommit connection up to ``target``, one transaction per step."""
    applied = []
    for migration in pending(schema_version(conn), target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
