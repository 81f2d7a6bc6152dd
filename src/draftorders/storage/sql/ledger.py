"""A fake gateway's ledger in a SQL database: several processes (a shop's workers, a test's
processes) share one fake gateway, as they would share a real one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from draftorders.payments import LedgerState
from draftorders.storage.sql.base import connect_engine, write_transaction
from draftorders.storage.sql.migrate import MIGRATION_LOCK

__all__ = ["LEDGERS", "SqlGatewayLedger"]

_METADATA = sa.MetaData()
LEDGERS = sa.Table(
    "fake_gateway_ledgers",
    _METADATA,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
)
"""One row per ledger: what a fake gateway knows, as JSON. Not shop state: it stands in for
the payment provider, so it lives beside the shop's tables, outside their migrations."""


class SqlGatewayLedger:
    """A :class:`~draftorders.payments.GatewayLedger` in a database row, locked for each call
    (``FakeGateway(ledger=SqlGatewayLedger(url))``)."""

    def __init__(self, url_or_engine: str | sa.URL | sa.Engine, name: str = "fake") -> None:
        self._owns_engine = not isinstance(url_or_engine, sa.Engine)
        self.engine = connect_engine(url_or_engine)
        self.name = name
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        with write_transaction(self.engine) as connection:
            if self.engine.dialect.name == "postgresql":  # processes starting at once
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            _METADATA.create_all(connection)
            connection.execute(
                dialect.insert(LEDGERS)
                .values(name=name, state=LedgerState().to_json())
                .on_conflict_do_nothing()
            )

    @contextlib.contextmanager
    def state(self) -> Iterator[LedgerState]:
        """The state, its row locked until the block ends, then saved."""
        with write_transaction(self.engine) as connection:
            text = connection.execute(
                sa.select(LEDGERS.c.state).where(LEDGERS.c.name == self.name).with_for_update()
            ).scalar_one()
            state = LedgerState.from_json(text)
            yield state
            connection.execute(
                sa.update(LEDGERS).where(LEDGERS.c.name == self.name).values(state=state.to_json())
            )

    def close(self) -> None:
        """Close the connections, if the ledger made the engine."""
        if self._owns_engine:
            self.engine.dispose()
