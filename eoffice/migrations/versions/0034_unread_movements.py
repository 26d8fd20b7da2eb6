"""The navigation's unread count from the files sent to a desk and not yet opened (a partial
index: about a hundredth of the movements), instead of the last movement of every file the desk
holds (issue #32: 1.5 ms of Postgres on every page of a busy desk)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 22:58:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_movement_unread",
        "movement",
        ["to_post_id"],
        postgresql_include=["file_id"],
        postgresql_where=sa.text("opened_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_movement_unread", table_name="movement")
