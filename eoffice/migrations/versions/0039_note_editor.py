"""A draft note remembers the page that last saved it, so that a "final" click sent before the
answer to the same page's autosave is back (a slow link) is not taken for a conflict.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 05:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("note", sa.Column("editor", sa.String(length=32), nullable=True))


def downgrade():
    op.drop_column("note", "editor")
