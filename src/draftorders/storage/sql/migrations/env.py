"""Alembic's environment for the SQL store: migrations run on the connection the store hands
over (``config.attributes["connection"]``), inside the transaction it opened and locked."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=True,  # SQLite alters tables by copying them
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
