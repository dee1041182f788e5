"""A transaction on SQLite's own connection, for the statements every command runs.

On SQLite a statement takes a few microseconds, but running it through an
`AsyncSession` costs about 0.15 ms a transaction and 0.07 ms a statement in
SQLAlchemy's own machinery (the session, its execution context, the greenlet
bridge). For the hottest path, a returning member's `/ccpl tip` with its replay
claim, that was most of what ccpl-bot added to a bare Bolt app (bench/README.md).
Here the statements are still SQLAlchemy Core, compiled once for the dialect with
their columns' bind processors; only their execution skips SQLAlchemy.

Anything unusual (a workspace or member seen for the first time, a replay, the
periodic clean-up) raises `NotDirect`, which rolls the transaction back: the
caller then does the same work through a session, where every case is handled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage.sqlite_inline import InlineConnection


class NotDirect(Exception):
    """This case needs the full path through a session; nothing was written."""


class Prepared:
    """One Core statement compiled for SQLite, with its parameters' bind processors."""

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] = ()) -> None:
        self.statement = statement
        self.columns = list(columns)
        self._compiled: tuple[str, list[tuple[str, Callable[[Any], Any] | None]]] | None = None

    def bind(
        self, *, dialect: Dialect
    ) -> tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]:
        """The SQL and, in order, each parameter's name and processor (compiled once)."""
        if self._compiled is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.columns or None)
            assert isinstance(compiled, SQLCompiler)
            names = compiled.positiontup or []
            self._compiled = (
                str(compiled),
                [(name, compiled.binds[name].type.bind_processor(dialect)) for name in names],
            )
        return self._compiled


class Direct:
    """The open transaction: run prepared statements with named parameters."""

    def __init__(self, *, connection: InlineConnection, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect

    async def rows(self, prepared: Prepared, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row the statement returns (an INSERT ... RETURNING included)."""
        sql, binds = prepared.bind(dialect=self.dialect)
        values = [process(params[name]) if process else params[name] for name, process in binds]
        return [tuple(row) for row in await self.connection.execute_fetchall(sql, values)]
