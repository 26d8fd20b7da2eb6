"""training sessions and who attended (roll-out readiness); the audit trail by date

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("trainer", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_training_session_office_id", "training_session", ["office_id"])
    op.create_table(
        "training_attendance",
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("training_session.id"), primary_key=True
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), primary_key=True),
    )
    op.create_index("ix_training_attendance_user_id", "training_attendance", ["user_id"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_actor_id", "audit_event", ["actor_user_id", "id"])
    op.create_index("ix_audit_event_action_id", "audit_event", ["action", "id"])


def downgrade():
    op.drop_index("ix_audit_event_action_id", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_id", table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("training_attendance")
    op.drop_table("training_session")
