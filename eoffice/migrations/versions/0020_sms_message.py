"""SMS to citizens: the acknowledgement of a diarised letter and the notice of a reply

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_message",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("receipt_id", sa.BigInteger(), sa.ForeignKey("receipt.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("to_number", sa.String(15), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("template_id", sa.String(40), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("gateway_id", sa.String(100), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatch_id", sa.BigInteger(), sa.ForeignKey("dispatch.id"), nullable=True),
        sa.CheckConstraint("kind IN ('ack','reply')", name="kind"),
        sa.CheckConstraint("status IN ('pending','sent','failed')", name="status"),
        sa.UniqueConstraint("receipt_id", "kind", "dispatch_id", name="uq_sms_message_once"),
    )
    op.create_index("ix_sms_message_receipt_id", "sms_message", ["receipt_id"])
    op.create_index(
        "uq_sms_message_ack",
        "sms_message",
        ["receipt_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'ack'"),
    )


def downgrade():
    op.drop_table("sms_message")
