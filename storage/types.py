"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage.crypto import KEYRING


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always hands back aware datetimes.

    SQLite keeps no offset, so a naive value read back would silently become
    local time somewhere; refusing naive input and re-attaching UTC on the way
    out keeps every comparison honest on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Sealed(TypeDecorator[str]):
    """Text people wrote, sealed with the server's data key on the way in, opened on the way out.

    A dump or backup of the database alone then reveals none of it. Sealed
    values differ on every write, so these columns are never searched or
    compared in SQL.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else KEYRING.seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else KEYRING.open(str(value))


class SealedJSON(TypeDecorator[Any]):
    """A JSON value people wrote (reflection answers, poll options), sealed like `Sealed`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return KEYRING.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(KEYRING.open(str(value)))
