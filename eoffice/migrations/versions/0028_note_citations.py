"""note_citation: each "पत्राचार पृ. N" of a final note resolved to the correspondence item it
meant, so that it stays true when a merge renumbers the pages; dispatch.archive_until: when
an issued letter's newest archive timestamp lapses (renewed before then);
signature.timestamped_at: the TSA's time in a B-LT signature

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "note_citation",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "note_id",
            sa.BigInteger(),
            sa.ForeignKey("note.id", name="fk_note_citation_note_id_note"),
            nullable=False,
        ),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column(
            "correspondence_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "correspondence.id", name="fk_note_citation_correspondence_id_correspondence"
            ),
            nullable=False,
        ),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.UniqueConstraint("note_id", "start", name="uq_note_citation_start"),
    )
    op.create_index("ix_note_citation_note_id", "note_citation", ["note_id"])
    op.add_column("dispatch", sa.Column("archive_until", sa.DateTime(timezone=True)))
    op.add_column("signature", sa.Column("timestamped_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_dispatch_archive_until",
        "dispatch",
        ["archive_until"],
        postgresql_where=sa.text("archive_until IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_dispatch_archive_until", table_name="dispatch")
    op.drop_column("dispatch", "archive_until")
    op.drop_column("signature", "timestamped_at")
    op.drop_table("note_citation")
