"""A deactivated user holds no post: charges a re-import gave to deactivated users end, and
delegations to them are revoked (their desks showed as held and could be sent to)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 15:40:00

"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE post_holding SET until = greatest(current_date, since)
        WHERE until IS NULL AND user_id IN (SELECT id FROM app_user WHERE NOT is_enabled)
        """
    )
    op.execute(
        """
        UPDATE delegation SET revoked_at = now()
        WHERE revoked_at IS NULL AND ends_on >= current_date
          AND delegate_id IN (SELECT id FROM app_user WHERE NOT is_enabled)
        """
    )


def downgrade() -> None:
    pass  # the charges ended stay ended: nobody deactivated held them in truth
