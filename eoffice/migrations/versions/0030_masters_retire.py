"""An office's masters can be retired: sections, subject heads and categories get retired_at
(not offered for new items; what was made under them keeps their names and numbers)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLES = ("section", "subject_head", "receipt_category")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "retired_at")
