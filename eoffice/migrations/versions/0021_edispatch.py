"""e-dispatch: a letter issued to another office of the installation arrives in its dak

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint(op.f("ck_dispatch_mode"), "dispatch", type_="check")
    op.create_check_constraint(
        op.f("ck_dispatch_mode"), "dispatch", "mode IN ('email','post','hand','eoffice')"
    )
    op.drop_constraint(op.f("ck_dispatch_recipient_status"), "dispatch_recipient", type_="check")
    op.create_check_constraint(
        op.f("ck_dispatch_recipient_status"),
        "dispatch_recipient",
        "status IN ('pending','sent','failed','posted','delivered')",
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=True),
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column("receipt_id", sa.BigInteger(), sa.ForeignKey("receipt.id"), nullable=True),
    )
    op.add_column(
        "dispatch_recipient", sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_dispatch_recipient_receipt_id", "dispatch_recipient", ["receipt_id"])
    op.drop_constraint(op.f("ck_receipt_mode"), "receipt", type_="check")
    op.create_check_constraint(
        op.f("ck_receipt_mode"),
        "receipt",
        "mode IN ('post','hand','email','courier','portal','eoffice')",
    )
    op.add_column(
        "receipt",
        sa.Column("from_dispatch_id", sa.BigInteger(), sa.ForeignKey("dispatch.id"), nullable=True),
    )
    op.add_column("receipt", sa.Column("signatures_valid", sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column("receipt", "signatures_valid")
    op.drop_column("receipt", "from_dispatch_id")
    op.drop_index("ix_dispatch_recipient_receipt_id", "dispatch_recipient")
    op.drop_column("dispatch_recipient", "opened_at")
    op.drop_column("dispatch_recipient", "receipt_id")
    op.drop_column("dispatch_recipient", "office_id")
