"""Search at a decade's volume (issue #32): an office's receipts newest first by an index, so
that a common word's walk over the office's receipts stops at its first page (it sorted all
5,000 of a block office's receipts, 10 ms, for every officer's search); a diary number looked
up by an index (a typed number scanned all 200,000 receipts: 40-60 ms)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 22:20:00

"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_receipt_office_created", "receipt", ["office_id", "created_at"])
    op.create_index("ix_receipt_diary_number", "receipt", ["diary_number"])


def downgrade() -> None:
    op.drop_index("ix_receipt_diary_number", table_name="receipt")
    op.drop_index("ix_receipt_office_created", table_name="receipt")
