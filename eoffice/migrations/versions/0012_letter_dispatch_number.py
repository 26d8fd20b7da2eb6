"""letters: the dispatch number is reserved when the letter is first rendered for signing, so
that the signed copy carries it (the signed bytes cannot change afterwards)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("letter_draft", sa.Column("dispatch_year", sa.Integer(), nullable=True))
    op.add_column("letter_draft", sa.Column("dispatch_serial", sa.Integer(), nullable=True))
    op.add_column("letter_draft", sa.Column("dispatch_number", sa.String(80), nullable=True))
    op.create_index(
        "uq_letter_draft_dispatch_number", "letter_draft", ["dispatch_number"], unique=True
    )
    # letters issued before this revision: their number is the one the register gave them
    op.execute(
        """
        UPDATE letter_draft SET dispatch_year = d.year, dispatch_serial = d.serial,
            dispatch_number = d.number
        FROM dispatch d WHERE d.draft_id = letter_draft.id
        """
    )


def downgrade():
    op.drop_index("uq_letter_draft_dispatch_number", table_name="letter_draft")
    for c in ("dispatch_number", "dispatch_serial", "dispatch_year"):
        op.drop_column("letter_draft", c)
