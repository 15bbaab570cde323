"""Initial schema: scans, per-resource properties, findings, access review.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("tool_version", sa.String(32), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("resource_count", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("coverage", sa.JSON, nullable=False),
    )
    op.create_table(
        "resources",
        sa.Column(
            "scan_id",
            sa.Integer,
            sa.ForeignKey("scans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("props", sa.JSON, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column(
            "scan_id",
            sa.Integer,
            sa.ForeignKey("scans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(32), nullable=False, index=True),
        sa.Column("resource_key", sa.Text, nullable=False, index=True),
        sa.Column("resource_name", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("missing", sa.JSON, nullable=False),
    )
    op.create_table(
        "access",
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), index=True),
        sa.Column("resource_key", sa.Text, nullable=False),
        sa.Column("resource_name", sa.Text, nullable=False),
        sa.Column("question", sa.String(32), nullable=False),
        sa.Column("principal_id", sa.String(64), nullable=False),
        sa.Column("principal_name", sa.Text, nullable=False),
        sa.Column("principal_type", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("assignment", sa.String(16), nullable=False),
        sa.Column("assignment_id", sa.Text, nullable=False),
        sa.Column("via_group", sa.Text, nullable=False),
        sa.Column("stale", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("access", "findings", "resources", "scans"):
        op.drop_table(name)
