"""One letter, many recipients: each recipient of a dispatch has its own mode (email, post,
by hand, e-Office to an office or a post) and state; the office names its dak desk

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("dispatch_recipient", sa.Column("mode", sa.String(10), nullable=True))
    op.execute(
        "UPDATE dispatch_recipient r SET mode = d.mode FROM dispatch d WHERE d.id = r.dispatch_id"
    )
    op.alter_column("dispatch_recipient", "mode", nullable=False)
    op.create_check_constraint(
        op.f("ck_dispatch_recipient_mode"),
        "dispatch_recipient",
        "mode IN ('email','post','hand','eoffice')",
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column("is_copy", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("post.id", name="fk_dispatch_recipient_post_id_post"),
            nullable=True,
        ),
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column(
            "added_by_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_dispatch_recipient_added_by_id_app_user"),
            nullable=True,
        ),
    )
    op.add_column(
        "dispatch_recipient",
        sa.Column(
            "added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.execute(
        "UPDATE dispatch_recipient r SET added_by_id = d.issued_by_id, added_at = d.issued_at "
        "FROM dispatch d WHERE d.id = r.dispatch_id"
    )
    op.drop_constraint(op.f("ck_dispatch_recipient_status"), "dispatch_recipient", type_="check")
    op.execute("UPDATE dispatch_recipient SET status = 'queued' WHERE status = 'pending'")
    op.execute("UPDATE dispatch_recipient SET status = 'sent' WHERE status = 'posted'")
    op.create_check_constraint(
        op.f("ck_dispatch_recipient_status"),
        "dispatch_recipient",
        "status IN ('queued','sent','delivered','failed')",
    )
    op.drop_constraint(op.f("ck_dispatch_mode"), "dispatch", type_="check")
    op.drop_column("dispatch", "mode")
    op.add_column(
        "office",
        sa.Column(
            "dak_post_id",
            sa.Integer(),
            sa.ForeignKey("post.id", name="fk_office_dak_post_id_post"),
            nullable=True,
        ),
    )
    # when an e-Office arrival was first opened: kept on the receipt, where the inbox reads it
    op.add_column(
        "receipt", sa.Column("e_dak_opened_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE receipt r SET e_dak_opened_at = d.opened_at FROM dispatch_recipient d "
        "WHERE d.receipt_id = r.id AND d.opened_at IS NOT NULL"
    )
    op.drop_column("dispatch_recipient", "opened_at")


def downgrade():
    op.add_column(
        "dispatch_recipient", sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE dispatch_recipient d SET opened_at = r.e_dak_opened_at FROM receipt r "
        "WHERE d.receipt_id = r.id"
    )
    op.drop_column("receipt", "e_dak_opened_at")
    op.drop_column("office", "dak_post_id")
    op.add_column("dispatch", sa.Column("mode", sa.String(10), nullable=True))
    op.execute(
        "UPDATE dispatch d SET mode = (SELECT min(r.mode) FROM dispatch_recipient r "
        "WHERE r.dispatch_id = d.id)"
    )
    op.execute("UPDATE dispatch SET mode = 'post' WHERE mode IS NULL")
    op.alter_column("dispatch", "mode", nullable=False)
    op.create_check_constraint(
        op.f("ck_dispatch_mode"), "dispatch", "mode IN ('email','post','hand','eoffice')"
    )
    op.drop_constraint(op.f("ck_dispatch_recipient_status"), "dispatch_recipient", type_="check")
    op.execute("UPDATE dispatch_recipient SET status = 'pending' WHERE status = 'queued'")
    op.execute(
        "UPDATE dispatch_recipient SET status = 'posted' WHERE status = 'sent' "
        "AND mode IN ('post','hand')"
    )
    op.create_check_constraint(
        op.f("ck_dispatch_recipient_status"),
        "dispatch_recipient",
        "status IN ('pending','sent','failed','posted','delivered')",
    )
    for column in ("added_at", "added_by_id", "post_id", "is_copy"):
        op.drop_column("dispatch_recipient", column)
    op.drop_constraint(op.f("ck_dispatch_recipient_mode"), "dispatch_recipient", type_="check")
    op.drop_column("dispatch_recipient", "mode")
