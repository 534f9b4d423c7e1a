"""Team mode: who created and who sent each order and deposit, who did each timeline event,
and the lease (owner, expiry) a console holds while it sends or polls a record."""

from __future__ import annotations

from alembic import op

from skins_console.store.schema import BASELINE, TEAM, added_by

revision = TEAM
down_revision = BASELINE
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, columns in added_by(TEAM).items():
        for column in columns:
            op.add_column(table, column)


def downgrade() -> None:
    for table, columns in added_by(TEAM).items():
        for column in reversed(columns):
            op.drop_column(table, column.name)
