"""procrastinate's job queue schema (for OCR of dak)

Revision ID: 0003
Revises: 0002

The SQL is procrastinate's own, for the version pinned in pyproject.toml. Upgrading
procrastinate means a new revision that runs its migration scripts (procrastinate/sql/migrations).
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # Straight to the driver with no parameters: psycopg then leaves the script's "%" alone.
    op.get_bind().connection.cursor().execute(SchemaManager.get_schema())


def downgrade():
    op.get_bind().exec_driver_sql(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
            procrastinate_jobs, procrastinate_workers CASCADE;
        DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
            procrastinate_job_to_defer_v1 CASCADE;
        """
    )
