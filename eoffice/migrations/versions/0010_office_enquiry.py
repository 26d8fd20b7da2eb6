"""office: where a citizen enquires about a letter (printed on the पावती)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("office", sa.Column("enquiry", sa.String(300), nullable=True))


def downgrade():
    op.drop_column("office", "enquiry")
