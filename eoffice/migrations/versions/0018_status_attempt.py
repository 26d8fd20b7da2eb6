"""citizens' status page: lookups per address and per diary number (rate limiting)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "status_attempt",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("diary_key", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_status_attempt_address_at", "status_attempt", ["address", "at"])
    op.create_index("ix_status_attempt_diary_key_at", "status_attempt", ["diary_key", "at"])


def downgrade():
    op.drop_table("status_attempt")
