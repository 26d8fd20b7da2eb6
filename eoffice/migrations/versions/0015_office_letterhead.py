"""offices: letterhead lines printed under the name on letters, the dispatch prefix, and
when an office was closed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("office", sa.Column("letterhead", sa.String(500), nullable=True))
    op.add_column(
        "office",
        sa.Column("dispatch_prefix", sa.String(16), nullable=False, server_default="प्रेषण"),
    )
    op.add_column("office", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("office", "closed_at")
    op.drop_column("office", "dispatch_prefix")
    op.drop_column("office", "letterhead")
