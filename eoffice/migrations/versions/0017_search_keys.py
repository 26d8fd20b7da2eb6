"""search: eo_key(), the Hindi/roman search key, and a generated, indexed key column on files,
receipts (OCR text included), notes, dispatches and letter versions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 20:20:00

"""

from alembic import op

from eoffice.platform.keys import COLUMNS, FUNCTION_SQL

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: the tables this migration keyed (a table keyed later adds its column in its own migration)
TABLES = ("efile", "receipt", "note", "dispatch", "letter_version")


def upgrade():
    op.execute(FUNCTION_SQL)
    for table in TABLES:
        expression = COLUMNS[table]
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_keys tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_keys ON {table} USING gin (search_keys)")


def downgrade():
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_keys")
    op.execute("DROP FUNCTION eo_key(text)")
