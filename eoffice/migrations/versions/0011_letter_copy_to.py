"""letter versions: the endorsement list (प्रतिलिपि), approved and printed with the letter

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "letter_version", sa.Column("copy_to", sa.Text(), nullable=False, server_default="")
    )


def downgrade():
    op.drop_column("letter_version", "copy_to")
