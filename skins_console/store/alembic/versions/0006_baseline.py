"""The schema of release version 6 (what ``PRAGMA user_version`` 6 files hold), on an empty
database of either backend. Older SQLite files reach it through the frozen legacy steps in
``store/migrations.py`` and are then stamped with this revision."""

from __future__ import annotations

from alembic import op

from skins_console.store.schema import BASELINE, tables_at

revision = BASELINE
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables_at(BASELINE).create_all(op.get_bind())


def downgrade() -> None:
    tables_at(BASELINE).drop_all(op.get_bind())
