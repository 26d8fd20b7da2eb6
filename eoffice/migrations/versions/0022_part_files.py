"""part files (भाग पत्रावली): a part of a file opened while the file is elsewhere, merged back

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "efile", sa.Column("part_of_id", sa.BigInteger(), sa.ForeignKey("efile.id"), nullable=True)
    )
    op.add_column("efile", sa.Column("part_no", sa.Integer(), nullable=True))
    op.add_column("efile", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_efile_part_numbered"), "efile", "(part_of_id IS NULL) = (part_no IS NULL)"
    )
    op.create_index(
        "ix_efile_part_of",
        "efile",
        ["part_of_id"],
        postgresql_where=sa.text("part_of_id IS NOT NULL"),
    )
    op.add_column(
        "note", sa.Column("from_note_id", sa.BigInteger(), sa.ForeignKey("note.id"), nullable=True)
    )


def downgrade():
    op.drop_column("note", "from_note_id")
    op.drop_index("ix_efile_part_of", "efile")
    op.drop_constraint(op.f("ck_efile_part_numbered"), "efile", type_="check")
    op.drop_column("efile", "merged_at")
    op.drop_column("efile", "part_no")
    op.drop_column("efile", "part_of_id")
