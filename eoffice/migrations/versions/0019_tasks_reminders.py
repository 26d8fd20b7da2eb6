"""tasks (कार्य) given to a post, their progress, and reminders (अनुस्मारक) about an item

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("item_kind", sa.String(10), nullable=False),
        sa.Column("file_id", sa.BigInteger(), sa.ForeignKey("efile.id"), nullable=True),
        sa.Column("receipt_id", sa.BigInteger(), sa.ForeignKey("receipt.id"), nullable=True),
        sa.Column("from_post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("to_post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", UUID(), nullable=False, unique=True),
        sa.CheckConstraint(
            "(item_kind = 'file' AND file_id IS NOT NULL AND receipt_id IS NULL) OR "
            "(item_kind = 'receipt' AND receipt_id IS NOT NULL AND file_id IS NULL)",
            name="one_item",
        ),
        sa.CheckConstraint("char_length(message) <= 2000", name="message_length"),
    )
    for col in ("file_id", "receipt_id", "to_post_id"):
        op.create_index(f"ix_reminder_{col}", "reminder", [col])
    op.create_table(
        "task",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("file_id", sa.BigInteger(), sa.ForeignKey("efile.id"), nullable=True),
        sa.Column("receipt_id", sa.BigInteger(), sa.ForeignKey("receipt.id"), nullable=True),
        sa.Column("from_post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("to_post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", UUID(), nullable=False, unique=True),
        sa.CheckConstraint("status IN ('open','done')", name="status"),
        sa.CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_at"),
        sa.CheckConstraint("char_length(details) <= 5000", name="details_length"),
    )
    for col in ("office_id", "from_post_id", "to_post_id"):
        op.create_index(f"ix_task_{col}", "task", [col])
    op.create_table(
        "task_update",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("task_id", sa.BigInteger(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("is_done", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("idempotency_key", UUID(), nullable=False, unique=True),
        sa.CheckConstraint("char_length(remarks) <= 5000", name="remarks_length"),
    )
    op.create_index("ix_task_update_task_id", "task_update", ["task_id"])


def downgrade():
    op.drop_table("task_update")
    op.drop_table("task")
    op.drop_table("reminder")
