"""The store's schema (SQLAlchemy Core): one definition for SQLite and PostgreSQL.

This is the schema at the newest migration (migrations/versions/); a test checks that the
migrated database and these tables agree.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_REVISION = "0002"

metadata = sa.MetaData()

scans = sa.Table(
    "scans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
    sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("tool_version", sa.String(32), nullable=False),
    sa.Column("config_hash", sa.String(64), nullable=False),
    sa.Column("resource_count", sa.Integer, nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),  # {"status": {...}, "severity": {...}}
    sa.Column("coverage", sa.JSON, nullable=False),  # [{collection, scope, status, reason}]
)

resources = sa.Table(
    "resources",
    metadata,
    sa.Column(
        "scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.Text, primary_key=True),  # lower-cased ARM id
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("props", sa.JSON, nullable=False),  # normalised property path -> value
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column(
        "scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("rule_id", sa.String(32), nullable=False, index=True),
    sa.Column("resource_key", sa.Text, nullable=False, index=True),
    sa.Column("resource_name", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),  # [{path, value}]
    sa.Column("missing", sa.JSON, nullable=False),
)

access = sa.Table(
    "access",
    metadata,
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
    sa.Column("stale", sa.Text, nullable=False),  # why the grant looks stale ("" when not)
)

# Revision 0002: change records (Resource Graph resourcechanges or Activity Log rows).
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), index=True),
    sa.Column("change_id", sa.Text, nullable=False),
    sa.Column("target_key", sa.Text, nullable=False),
    sa.Column("target_type", sa.Text, nullable=False),
    sa.Column("change_type", sa.String(16), nullable=False),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("client_type", sa.Text, nullable=False),
    sa.Column("operation", sa.Text, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),  # resourcechanges | activitylog
    sa.Column("properties", sa.JSON, nullable=False),  # [{path, before, after}]
)
