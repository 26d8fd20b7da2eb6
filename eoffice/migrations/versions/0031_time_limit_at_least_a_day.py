"""A time limit is at least one working day: a 0 typed before (stricter than तत्काल) becomes 1

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 16:05:00

"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE time_limit SET working_days = 1 WHERE working_days < 1")
    op.drop_constraint(op.f("ck_time_limit_working_days"), "time_limit", type_="check")
    op.create_check_constraint(
        op.f("ck_time_limit_working_days"), "time_limit", "working_days BETWEEN 1 AND 365"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_time_limit_working_days"), "time_limit", type_="check")
    op.create_check_constraint(
        op.f("ck_time_limit_working_days"), "time_limit", "working_days BETWEEN 0 AND 365"
    )
