"""Schema migrations (Alembic): a database written by any release is brought to this release's
schema in place, with nothing lost.

``SqlStore`` upgrades the database it opens (``migrate=True``, the default); a deploy can run
:func:`upgrade` once instead and open stores with ``migrate=False``, which then refuse a
database that is behind. Two processes migrating at once do not trip over each other: on
PostgreSQL the migration holds an advisory lock, on SQLite the database's write lock. A
database made by release 0.1.0 (no version table, its three tables) is recognised as revision
``0001``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from draftorders.errors import StoreSchemaError

__all__ = ["HEAD", "MIGRATION_LOCK", "revision", "upgrade_connection"]

HEAD = "0002"
"""The schema revision this release writes."""
MIGRATION_LOCK = 0x6472616674
"""The PostgreSQL advisory lock key held while migrating."""
_LEGACY = "0001"
"""What a database made by 0.1.0 (before migrations) is."""


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("draftorders.storage.sql") / "migrations")
    )
    config.attributes["connection"] = connection
    return config


def revision(connection: sa.Connection) -> str | None:
    """The database's schema revision: None for an empty database, ``"0001"`` for one written
    by release 0.1.0."""
    tables = set(sa.inspect(connection).get_table_names())
    if "alembic_version" in tables:
        found: Any = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return str(found) if found is not None else None
    if {"orders", "transactions", "promotion_usage"} <= tables:
        return _LEGACY
    if tables & {"orders", "transactions"}:
        raise StoreSchemaError(
            sorted(tables),
            HEAD,
            "the database has tables of its own that draftorders did not "
            "make; give the store a database (or schema) of its own",
        )
    return None


def upgrade_connection(connection: sa.Connection) -> str:
    """Bring the database to :data:`HEAD` on ``connection``, which must be in a writing
    transaction (committed by the caller); the revision it was at."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
    config = _config(connection)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    before = revision(connection)
    if before is not None and before not in known:
        raise StoreSchemaError(before, HEAD)
    if before == _LEGACY and not sa.inspect(connection).has_table("alembic_version"):
        command.stamp(config, _LEGACY)
    if before != HEAD:
        command.upgrade(config, HEAD)
    return before or "empty"
