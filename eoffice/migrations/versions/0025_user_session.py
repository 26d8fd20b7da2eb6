"""user_session: signed-in sessions kept on the server (logout and password changes end them)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_user_session_user_id_app_user"),
            nullable=False,
        ),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(20), nullable=True),
        sa.UniqueConstraint("token_sha256", name="uq_user_session_token_sha256"),
    )
    op.create_index(
        "ix_user_session_live",
        "user_session",
        ["user_id"],
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade():
    op.drop_table("user_session")
