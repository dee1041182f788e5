"""`show_tip`: the direct SQLite path and the session path write and refuse the same.

The direct path (storage/direct.py) runs prebuilt statements on the driver's connection;
what it writes must read back through the ORM exactly as the session path's rows do,
and a replay or anything it cannot handle must leave nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.delivery import Replayed
from bot.slack.once import ClaimingDatabase
from storage import Database, Member, NotDirect, ProcessedEvent, TipCycle, TipShown, show_tip
from storage.repositories import REQUEST_PREFIX

NOW = datetime(2026, 11, 3, 9, 30, 15, 123456, tzinfo=UTC)


def _first_unseen(cycle: TipCycle) -> tuple[str, int]:
    for tip in ("a", "b", "c"):
        if tip not in cycle.seen:
            return tip, cycle.number
    return "a", cycle.number + 1


async def _show(database: Database, *, team: str, user: str) -> tuple[TipCycle, str, int]:
    return await show_tip(
        database, platform="slack", workspace=team, user=user, now=NOW, choose=_first_unseen
    )


async def _shown(database: Database, *, user: str) -> list[tuple[str, int, datetime]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(TipShown.tip_id, TipShown.cycle, TipShown.shown_at)
            .join(Member, Member.id == TipShown.member_id)
            .where(Member.external_id == user)
            .order_by(TipShown.id)
        )
        return [(tip, cycle, at) for tip, cycle, at in rows]


async def test_a_round_goes_through_each_tip_once_then_starts_again(
    database: Database, team: str
) -> None:
    user = "U" + uuid.uuid4().hex[:8]
    picks = [(await _show(database, team=team, user=user))[1:] for _ in range(4)]
    assert picks == [("a", 0), ("b", 0), ("c", 0), ("a", 1)]
    # The first tip created the member through a session; the rest took the direct path
    # on SQLite. Every row reads back the same, time zone and microseconds included.
    assert await _shown(database, user=user) == [
        ("a", 0, NOW),
        ("b", 0, NOW),
        ("c", 0, NOW),
        ("a", 1, NOW),
    ]


def _claiming(database: Database, *, team: str, signature: str) -> ClaimingDatabase:
    digest = hashlib.sha256(signature.encode()).hexdigest()
    if digest.startswith("00"):  # the clean-up case takes the session path; not this test's
        digest = "ff" + digest[2:]
    return ClaimingDatabase(database, workspace=team, digest=digest, now=NOW)


async def test_a_replayed_request_writes_no_second_tip_on_either_path(
    database: Database, team: str
) -> None:
    user = "U" + uuid.uuid4().hex[:8]
    await _show(database, team=team, user=user)  # known from now on: the direct path
    first = _claiming(database, team=team, signature=uuid.uuid4().hex)
    await _show(first, team=team, user=user)
    with pytest.raises(Replayed):
        again = _claiming(database, team=team, signature="")
        again.digest = first.digest
        await _show(again, team=team, user=user)
    assert [tip for tip, _, _ in await _shown(database, user=user)] == ["a", "b"]
    async with database.transaction() as session:
        claims = await session.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(ProcessedEvent.event_id == (REQUEST_PREFIX + first.digest)[:64])
        )
    assert claims == 1


async def test_a_direct_transaction_that_fails_leaves_nothing(
    database: Database, team: str
) -> None:
    user = "U" + uuid.uuid4().hex[:8]
    await _show(database, team=team, user=user)

    def refuse(cycle: TipCycle) -> tuple[str, int]:
        raise RuntimeError("the handler failed after reading the round")

    with pytest.raises(RuntimeError):
        await show_tip(
            database, platform="slack", workspace=team, user=user, now=NOW, choose=refuse
        )
    assert [tip for tip, _, _ in await _shown(database, user=user)] == ["a"]
    # And the connection is left usable, outside any transaction.
    assert (await _show(database, team=team, user=user))[1] == "b"


async def test_postgresql_has_no_direct_path(database: Database) -> None:
    if database.is_sqlite:
        async with database.direct() as tx:
            assert tx.connection is not None
        return
    with pytest.raises(NotDirect):
        async with database.direct():
            pass  # pragma: no cover
