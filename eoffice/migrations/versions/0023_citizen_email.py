"""receipts: the sender's email, for the acknowledgement and the notice of a reply

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("receipt", sa.Column("citizen_email", sa.String(254), nullable=True))


def downgrade():
    op.drop_column("receipt", "citizen_email")
