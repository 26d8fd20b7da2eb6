"""staff import: employee IDs on users, and import batches (a preview, then applied)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("app_user", sa.Column("employee_id", sa.String(40), nullable=True))
    op.create_index(
        "uq_app_user_employee_id",
        "app_user",
        ["employee_id"],
        unique=True,
        postgresql_where=sa.text("employee_id IS NOT NULL"),
    )
    op.create_table(
        "staff_import",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("by_user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="preview"),
        sa.Column("plan", postgresql.JSONB(), nullable=False),
        sa.Column("slips", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        sa.CheckConstraint(
            "status IN ('preview','queued','applied','failed')",
            name=op.f("ck_staff_import_status"),
        ),
    )
    op.create_index("ix_staff_import_office_id", "staff_import", ["office_id"])


def downgrade():
    op.drop_table("staff_import")
    op.drop_index("uq_app_user_employee_id", table_name="app_user")
    op.drop_column("app_user", "employee_id")
