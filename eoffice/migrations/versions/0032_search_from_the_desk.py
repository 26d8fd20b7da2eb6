"""Search at a decade's volume (issue #32): a desk's own items are found by indexes alone —
the items a post created (efile, receipt), and the movements from and to a post carry the
item's id in the index (index-only scans instead of a heap visit per movement)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 18:05:00

"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_efile_created_post_id", "efile", ["created_post_id"])
    op.create_index("ix_receipt_created_post_id", "receipt", ["created_post_id"])
    op.drop_index("ix_movement_from_post", table_name="movement")
    op.create_index(
        "ix_movement_from_post",
        "movement",
        ["from_post_id", "id"],
        postgresql_include=["file_id", "receipt_id"],
    )
    op.drop_index("ix_movement_to_post_id", table_name="movement")
    op.create_index(
        "ix_movement_to_post_id", "movement", ["to_post_id"], postgresql_include=["file_id", "receipt_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_movement_to_post_id", table_name="movement")
    op.create_index("ix_movement_to_post_id", "movement", ["to_post_id"])
    op.drop_index("ix_movement_from_post", table_name="movement")
    op.create_index("ix_movement_from_post", "movement", ["from_post_id", "id"])
    op.drop_index("ix_receipt_created_post_id", table_name="receipt")
    op.drop_index("ix_efile_created_post_id", table_name="efile")
