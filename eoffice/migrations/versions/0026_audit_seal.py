"""audit_event: each event's seal (HMAC under the office's audit key) and the database role
that wrote it, set by a trigger the app's role cannot lift

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_event", sa.Column("seal", sa.String(64), nullable=True))
    op.add_column("audit_event", sa.Column("db_role", sa.String(63), nullable=True))
    # whatever the INSERT said, the row records the role of the connection that wrote it
    op.execute("""
        CREATE FUNCTION audit_event_writer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.db_role := session_user;
            RETURN NEW;
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_event_writer BEFORE INSERT ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_writer();
    """)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS audit_event_writer ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_writer()")
    op.drop_column("audit_event", "db_role")
    op.drop_column("audit_event", "seal")
