"""Change records: who changed what (Resource Graph resourcechanges, Activity Log rows).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), index=True),
        sa.Column("change_id", sa.Text, nullable=False),
        sa.Column("target_key", sa.Text, nullable=False),
        sa.Column("target_type", sa.Text, nullable=False),
        sa.Column("change_type", sa.String(16), nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("client_type", sa.Text, nullable=False),
        sa.Column("operation", sa.Text, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("changes")
