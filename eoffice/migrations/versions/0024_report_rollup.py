"""reports at district scale: the held-items rollup the job worker keeps, and indexes for the
period reports (hops that ended, files and dak by date, closures, dispatches)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "held_rollup",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("oldest_due", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_held_rollup_post_id", "held_rollup", ["post_id"])
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index(
        "ix_movement_acted",
        "movement",
        ["acted_at", "to_post_id"],
        postgresql_where=sa.text("acted_at IS NOT NULL"),
    )
    op.create_index("ix_efile_office_created", "efile", ["office_id", "created_at"])
    op.create_index("ix_receipt_office_received", "receipt", ["office_id", "received_on"])
    op.create_index("ix_file_status_change_closed", "file_status_change", ["to_status", "at"])
    op.create_index("ix_dispatch_office_issued", "dispatch", ["office_id", "issued_at"])


def downgrade():
    for name, table in (("ix_dispatch_office_issued", "dispatch"),
                        ("ix_file_status_change_closed", "file_status_change"),
                        ("ix_receipt_office_received", "receipt"),
                        ("ix_efile_office_created", "efile"), ("ix_movement_acted", "movement")):  # fmt: skip
        op.drop_index(name, table)
    op.drop_table("rollup_state")
    op.drop_table("held_rollup")
