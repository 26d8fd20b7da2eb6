"""What every signed-in request asks first (eoffice.auth.services.signed_in: the session live,
the stamp of the user's rows, a delegation today) as a function whose statement Postgres may
keep a generic plan for: the app plans every statement for its own values
(plan_cache_mode=force_custom_plan, for the searches and reports), and planning this small
statement anew was most of its cost on every request (0.30 -> 0.08 ms of Postgres, issue #32)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 23:12:00

"""

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION eo_signed_in(user_id integer, digest varchar, day date,
                             OUT stamp text, OUT delegated boolean)
LANGUAGE plpgsql STABLE SET plan_cache_mode = auto AS $$
BEGIN
    SELECT concat_ws(',', u.xmin, u.ctid, (
               SELECT string_agg(concat_ws('.', h.id, h.xmin, h.ctid, p.xmin, p.ctid,
                                           o.xmin, o.ctid), ',' ORDER BY h.id)
               FROM post_holding h JOIN post p ON p.id = h.post_id
               JOIN office o ON o.id = p.office_id
               WHERE h.user_id = u.id)),
           EXISTS (SELECT 1 FROM delegation d
                   WHERE d.delegate_id = u.id AND d.revoked_at IS NULL
                     AND d.starts_on <= day AND d.ends_on >= day)
    INTO stamp, delegated
    FROM app_user u JOIN user_session s ON s.user_id = u.id
    WHERE u.id = eo_signed_in.user_id AND s.token_sha256 = digest AND s.ended_at IS NULL;
END
$$
"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION eo_signed_in(integer, varchar, date)")
