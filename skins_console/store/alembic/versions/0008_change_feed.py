"""The change feed: PostgreSQL announces every write a console should see.

Revision ``0008_change_feed`` (after ``0007_team``). On PostgreSQL, triggers on orders,
deposits, events and handled attention items ``NOTIFY`` the channel
``skins_console_changes`` with ``{"kind", "key", "profile"}`` as JSON text, so every
console of a team hears what any of them wrote (``store/change_feed.py`` listens). A
write that only moves a lease (``lease_owner``/``lease_until``) is not announced: consoles
claim records for every tracking pass and nobody needs to redraw for that. On SQLite this
revision does nothing: one console owns the file, and its changes are on its own bus.
"""

from __future__ import annotations

from alembic import op

from skins_console.store.change_feed import CHANNEL
from skins_console.store.schema import CHANGE_FEED, TEAM

revision = CHANGE_FEED
down_revision = TEAM
branch_labels = None
depends_on = None

FUNCTION = "skins_console_notify_change"

#: table → (the record kind, or "" to read it from the row's ``kind``; the key column)
TABLES = {
    "orders": ("order", "external_id"),
    "deposits": ("deposit", "merchant_tx_id"),
    "events": ("", "key"),
    "attention_handled": ("", "key"),
}

_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    data jsonb := to_jsonb(NEW);
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object(
        'kind', coalesce(nullif(TG_ARGV[0], ''), data ->> 'kind'),
        'key', data ->> TG_ARGV[1],
        'profile', data ->> 'profile'
    )::text);
    RETURN NULL;
END
$$
"""

#: an update that changes more than the lease columns
_NOT_ONLY_LEASE = (
    "(to_jsonb(OLD) - 'lease_owner' - 'lease_until') "
    "IS DISTINCT FROM (to_jsonb(NEW) - 'lease_owner' - 'lease_until')"
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    op.execute(_FUNCTION_SQL)
    for table, (kind, key) in TABLES.items():
        args = f"'{kind}', '{key}'"
        op.execute(
            f"CREATE TRIGGER {table}_feed_insert AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({args})"
        )
        op.execute(
            f"CREATE TRIGGER {table}_feed_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({_NOT_ONLY_LEASE}) EXECUTE FUNCTION {FUNCTION}({args})"
        )


def downgrade() -> None:
    if not _postgresql():
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_insert ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_update ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
