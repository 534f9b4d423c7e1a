"""The order book's schema, declared once, for both backends (SQLite and PostgreSQL).

Every table, column, index and constraint of the book is declared here and nowhere else: the
Alembic history (``store/alembic/``) builds from it, and the legacy SQLite steps in
``migrations.py`` (frozen, released) are what it must stay equivalent to
(``tests/store/test_schema.py`` compares a fresh database with an upgraded old file).

A later revision's additions are declared behind ``_since(at, REVISION, …)``: the schema
as any revision left it is ``tables_at(revision)`` (the baseline revision creates that),
and what a revision adds is ``added_by(revision)``, so the history replays exactly.

Conventions (as since version 1): SkinsNode money is integer cents; Skinslink USD is TEXT
holding the exact ``Decimal``; times are ISO-8601 UTC text (``core.models.format_time``),
which sorts chronologically; JSON columns are TEXT. No column ever holds a secret. Integers
are 64-bit on PostgreSQL (Steam ids, account ids past 2**31) and SQLite's ``INTEGER``.

Public API::

    metadata: MetaData                               # the head schema; one Table per name
    BASELINE, TEAM, REVISIONS                        # the revisions, oldest first
    tables_at(revision) -> MetaData                  # the schema as that revision left it
    added_by(revision) -> {table: [Column]}          # the columns it adds (op.add_column)
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

BASELINE = "0006_baseline"
TEAM = "0007_team"
#: PostgreSQL triggers announcing changes (no tables or columns; a no-op on SQLite)
CHANGE_FEED = "0008_change_feed"
#: The revisions in order; a new one is appended (with its file in store/alembic/versions).
REVISIONS = (BASELINE, TEAM, CHANGE_FEED)

#: INTEGER on SQLite (so ``id INTEGER PRIMARY KEY`` stays the rowid), BIGINT on PostgreSQL.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


def _profile_ref(*, delete_cascade: bool) -> ForeignKey:
    return ForeignKey(
        "profiles.name", onupdate="CASCADE", ondelete="CASCADE" if delete_cascade else None
    )


def _profile_column(*, delete_cascade: bool) -> Column:
    """The profile a row belongs to (renaming the profile carries into it)."""
    return Column("profile", Text, _profile_ref(delete_cascade=delete_cascade), nullable=False)


def _declare(md: MetaData, at: str) -> None:
    """Declare every table into ``md`` as revision ``at`` left it."""
    Table(
        "profiles",
        md,
        Column("id", BigInt, primary_key=True),
        Column("name", Text, nullable=False, unique=True),
        Column("skinsnode_base_url", Text, nullable=False),
        Column("skinsnode_client_id", Text, nullable=False, server_default=text("''")),
        Column("webhook_url", Text, nullable=False, server_default=text("''")),
        Column("default_game", Text, nullable=False, server_default=text("'730'")),
        Column("min_price_tolerance_pct", Text, nullable=False, server_default=text("'0'")),
        Column("low_balance_threshold_cents", BigInt, nullable=False, server_default=text("0")),
        Column("is_sandbox", Integer, nullable=False, server_default=text("0")),
        Column("active", Integer, nullable=False, server_default=text("0")),
        Column("created_at", Text, nullable=False),
        Column("skinslink_base_url", Text, nullable=False, server_default=text("''")),
        # At most one active profile, enforced by the engine rather than by convention.
        Index(
            "profiles_one_active",
            "active",
            unique=True,
            sqlite_where=text("active = 1"),
            postgresql_where=text("active = 1"),
        ),
    )

    _book_table(
        md,
        at,
        "orders",
        key="external_id",
        draft=(
            Column("catalog_item_id", Text, nullable=False),
            Column("item_name", Text, nullable=False),
            Column("item_snapshot", Text),
            Column("expected_price_cents", BigInt, nullable=False),
            Column("trade_url", Text, nullable=False),
            Column("buyer_partner", BigInt),
            Column("buyer_steamid64", Text),
            Column("webhook_url", Text, nullable=False),
        ),
        reported=(
            Column("steam_offer_id", Text),
            Column("amount_cents", BigInt),
            Column("currency", Text),
            Column("failure_code", Text),
            Column("failure_message", Text),
            Column("accepted_at", Text),
            Column("sent_at", Text),
            Column("completed_at", Text),
            Column("settles_at", Text),
        ),
        # What the buyer paid (exact Decimal text, any currency) and the shop's order number
        # (when set it equals external_id: the shop order number is the idempotency key).
        later=(
            Column("charged_amount", Text),
            Column("charged_currency", Text),
            Column("shop_order", Text),
        ),
        indexes=(
            Index("orders_by_status", "profile", "status"),
            Index("orders_by_buyer", "profile", "buyer_partner"),
        ),
    )

    Table(
        "events",
        md,
        Column("id", BigInt, primary_key=True),
        _profile_column(delete_cascade=False),
        Column("kind", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("at", Text, nullable=False),
        Column("type", Text, nullable=False),
        Column("old_status", Text),
        Column("new_status", Text),
        Column("message", Text, nullable=False, server_default=text("''")),
        Column("details", Text),
        *_since(at, TEAM, Column("operator", Text)),
        Index("events_by_key", "profile", "kind", "key", "id"),
        Index("events_by_at", "profile", "at"),
    )

    Table(
        "webhook_deliveries",
        md,
        Column("provider", Text, nullable=False),
        Column("delivery_id", Text, nullable=False),
        Column("received_at", Text, nullable=False),
        Column("key", Text),
        Column("content_hash", Text),
        Column("duplicates", BigInt, nullable=False, server_default=text("0")),
        Column("last_duplicate_at", Text),
        UniqueConstraint("provider", "delivery_id"),
        Index("webhook_deliveries_by_received", "received_at"),
        Index(
            "webhook_deliveries_by_content",
            "provider",
            "content_hash",
            unique=True,
            sqlite_where=text("content_hash IS NOT NULL"),
            postgresql_where=text("content_hash IS NOT NULL"),
        ),
    )

    Table(
        "wallet_snapshots",
        md,
        Column("id", BigInt, primary_key=True),
        _profile_column(delete_cascade=True),
        Column("at", Text, nullable=False),
        Column("available_cents", BigInt, nullable=False),
        Column("currency", Text, nullable=False),
        Index("wallet_snapshots_by_at", "profile", "at"),
    )

    Table(
        "quotes",
        md,
        Column("id", BigInt, primary_key=True),
        _profile_column(delete_cascade=True),
        Column("trade_id", BigInt),
        Column("game", Text, nullable=False),
        Column("requested", Text, nullable=False, server_default=text("'[]'")),
        Column("items", Text, nullable=False),
        Column("sum", Text, nullable=False),
        Column("fetched_at", Text, nullable=False),
        Column("lock_expires_at", Text),
        Column("used_by", Text),
        Index("quotes_by_trade", "profile", "trade_id"),
    )

    _book_table(
        md,
        at,
        "deposits",
        key="merchant_tx_id",
        draft=(
            Column("trade_id", BigInt, nullable=False),
            Column("quote_id", BigInt, ForeignKey("quotes.id", ondelete="SET NULL")),
            Column("game", Text, nullable=False),
            Column("partner", BigInt, nullable=False),
            Column("token", Text, nullable=False),
            Column("items", Text, nullable=False),
        ),
        reported=(
            Column("amount", Text),
            Column("bot_name", Text),
            Column("bot_steam_id", BigInt),
            Column("trade_offer_id", Text),
            Column("trade_offer_expiry_at", Text),
            Column("hold_end_date", Text),
            Column("fail_reason", Text),
            Column("sent_at", Text),
            Column("completed_at", Text),
        ),
        indexes=(
            Index("deposits_by_trade", "profile", "trade_id"),
            Index("deposits_by_partner", "profile", "partner"),
        ),
    )

    Table(
        "catalog_cache",
        md,
        Column("profile", Text, _profile_ref(delete_cascade=True), primary_key=True),
        Column("fetched_at", Text, nullable=False),
        Column("item_count", BigInt, nullable=False),
    )

    Table(
        "catalog_items",
        md,
        Column(
            "profile",
            Text,
            ForeignKey("catalog_cache.profile", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("item_id", Text, nullable=False),
        Column("market_hash_name", Text, nullable=False),
        Column("price_cents", BigInt, nullable=False),
        Column("currency", Text, nullable=False),
        Column("phase", Text),
        Column("float_value", Text),
        Column("paint_index", BigInt),
        Column("paint_seed", BigInt),
        Column("rarity_color", Text),
        Column("class_id", Text),
        Column("instance_id", Text),
        Column("image_url", Text),
        PrimaryKeyConstraint("profile", "item_id"),
        # Rows are looked up and replaced by (profile, item_id) only.
        sqlite_with_rowid=False,
    )

    Table(
        "customers",
        md,
        Column("id", BigInt, primary_key=True),
        _profile_column(delete_cascade=True),
        Column("partner", BigInt, nullable=False),
        Column("token", Text, nullable=False),
        Column("trade_url", Text, nullable=False),
        Column("label", Text, nullable=False, server_default=text("''")),
        Column("created_at", Text, nullable=False),
        Column("last_used_at", Text),
        Column("last_success_at", Text),
        Column("last_error", Text),
        Column("note", Text, nullable=False, server_default=text("''")),
        UniqueConstraint("profile", "partner"),
    )

    Table(
        "customer_trade_urls",
        md,
        Column("profile", Text, nullable=False),
        Column("partner", BigInt, nullable=False),
        Column("trade_url", Text, nullable=False),
        Column("first_used_at", Text, nullable=False),
        Column("last_used_at", Text),
        Column("last_success_at", Text),
        PrimaryKeyConstraint("profile", "partner", "trade_url"),
        ForeignKeyConstraint(
            ["profile", "partner"],
            ["customers.profile", "customers.partner"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
    )

    # An attention item the operator marked handled, for the reason it had then: a different
    # reason later brings it back.
    Table(
        "attention_handled",
        md,
        _profile_column(delete_cascade=True),
        Column("kind", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("handled_at", Text, nullable=False),
        Column("handled_by", Text, nullable=False),
        Column("note", Text, nullable=False, server_default=text("''")),
        PrimaryKeyConstraint("profile", "kind", "key"),
    )


def _reached(revision: str, at: str) -> bool:
    return REVISIONS.index(revision) <= REVISIONS.index(at)


def _since(at: str, revision: str, *items: Column) -> tuple[Column, ...]:
    """``items`` if revision ``at`` includes what ``revision`` added, else nothing."""
    return items if _reached(revision, at) else ()


def _book_table(
    md: MetaData,
    at: str,
    name: str,
    *,
    key: str,
    draft: tuple[Column, ...],
    reported: tuple[Column, ...],
    later: tuple[Column, ...] = (),
    indexes: tuple[Index, ...] = (),
) -> Table:
    """A book table (orders, deposits) as revision ``at`` left it: a profile's records by
    their idempotency ``key``, written as a draft (``draft`` columns and the exact request
    body) before they are sent, then moved by the provider's reports (``reported``), with
    what the one lifecycle (store/lifecycle_repository.py) keeps on every book: the status,
    the polling schedule, send attempts, times and the provider's last answer; ``later``
    columns came in a later legacy version."""
    return Table(
        name,
        md,
        _profile_column(delete_cascade=False),
        Column(key, Text, nullable=False),
        *draft,
        Column("request_body", Text, nullable=False),
        Column("status", Text, nullable=False),
        *reported,
        Column("last_checked_at", Text),
        Column("next_check_at", Text),
        Column("attempts", BigInt, nullable=False, server_default=text("0")),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        Column("raw_remote", Text),
        *later,
        # Team mode: who created the draft, who sent it, and the send/poll lease (ISO UTC).
        *_since(
            at,
            TEAM,
            *(Column(c, Text) for c in ("operator", "sent_by", "lease_owner", "lease_until")),
        ),
        PrimaryKeyConstraint("profile", key),
        Index(f"{name}_by_created", "profile", "created_at"),
        Index(f"{name}_by_next_check", "next_check_at"),
        *indexes,
    )


def tables_at(revision: str) -> MetaData:
    """The schema as ``revision`` left it (the baseline revision creates exactly this)."""
    md = MetaData()
    _declare(md, revision)
    return md


def added_by(revision: str) -> dict[str, list[Column]]:
    """Table name → the columns ``revision`` adds to it (for ``op.add_column``)."""
    before = tables_at(REVISIONS[REVISIONS.index(revision) - 1])
    added: dict[str, list[Column]] = {}
    for table in tables_at(revision).sorted_tables:
        old = before.tables.get(table.name)
        if old is None:
            continue
        new = [c._copy() for c in table.columns if c.name not in old.columns]
        if new:
            added[table.name] = new
    return added


metadata = tables_at(REVISIONS[-1])
profiles = metadata.tables["profiles"]
orders = metadata.tables["orders"]
events = metadata.tables["events"]
webhook_deliveries = metadata.tables["webhook_deliveries"]
wallet_snapshots = metadata.tables["wallet_snapshots"]
quotes = metadata.tables["quotes"]
deposits = metadata.tables["deposits"]
catalog_cache = metadata.tables["catalog_cache"]
catalog_items = metadata.tables["catalog_items"]
customers = metadata.tables["customers"]
customer_trade_urls = metadata.tables["customer_trade_urls"]
attention_handled = metadata.tables["attention_handled"]
