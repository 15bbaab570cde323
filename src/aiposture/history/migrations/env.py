"""Alembic environment: always run from `history.store` with an open connection (the store
holds a lock around it, so concurrent first runs against one PostgreSQL do not race)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
