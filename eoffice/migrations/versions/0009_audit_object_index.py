"""audit index: who looked at an item, and the once-per-window view check on every file page

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 12:00:00

"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_event_object", "audit_event", ["object_type", "object_id", "at"])


def downgrade():
    op.drop_index("ix_audit_event_object", table_name="audit_event")
