"""Workspace scoping, tip cycles and event de-duplication on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import Database, Member, claim_event, ensure_scope, record_tip_shown, tip_cycle

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


async def test_same_user_id_in_two_workspaces_is_two_people(database: Database, team: str) -> None:
    async with database.transaction() as session:
        here = await ensure_scope(session, platform="slack", workspace=team, user="U1", now=NOW)
        there = await ensure_scope(
            session, platform="slack", workspace=team + "X", user="U1", now=NOW
        )
        await record_tip_shown(session, scope=here, tip_id="a", cycle=0, now=NOW)
    async with database.transaction() as session:
        assert (await tip_cycle(session, scope=here)).seen == {"a"}
        assert (await tip_cycle(session, scope=there)).seen == frozenset()


async def test_ensure_scope_is_safe_when_first_use_races(database: Database, team: str) -> None:
    async def first_use() -> int:
        async with database.transaction() as session:
            scope = await ensure_scope(
                session, platform="slack", workspace=team, user="URACE", now=NOW
            )
            return scope.member_id

    ids = await asyncio.gather(*(first_use() for _ in range(5)))
    assert len(set(ids)) == 1
    async with database.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Member).where(Member.external_id == "URACE")
        )
    assert count == 1


async def test_tip_cycle_reports_latest_cycle_and_last_tip(database: Database, team: str) -> None:
    async with database.transaction() as session:
        scope = await ensure_scope(session, platform="slack", workspace=team, user="U2", now=NOW)
        await record_tip_shown(session, scope=scope, tip_id="a", cycle=0, now=NOW)
        await record_tip_shown(
            session, scope=scope, tip_id="b", cycle=0, now=NOW + timedelta(minutes=1)
        )
        await record_tip_shown(
            session, scope=scope, tip_id="c", cycle=1, now=NOW + timedelta(minutes=2)
        )
    async with database.transaction() as session:
        cycle = await tip_cycle(session, scope=scope)
    assert (cycle.number, cycle.seen, cycle.last_shown) == (1, {"c"}, "c")


async def test_an_event_is_claimed_once(database: Database, team: str) -> None:
    async with database.transaction() as session:
        first = await claim_event(
            session, platform="slack", workspace=team, event_id="Ev1", now=NOW
        )
    async with database.transaction() as session:
        again = await claim_event(
            session, platform="slack", workspace=team, event_id="Ev1", now=NOW
        )
        elsewhere = await claim_event(
            session, platform="slack", workspace=team + "X", event_id="Ev1", now=NOW
        )
    assert (first, again, elsewhere) == (True, False, True)


async def test_times_come_back_aware_and_in_utc(database: Database, team: str) -> None:
    local = datetime(2026, 7, 1, 13, 0, tzinfo=UTC).astimezone()
    async with database.transaction() as session:
        scope = await ensure_scope(session, platform="slack", workspace=team, user="U3", now=local)
    async with database.transaction() as session:
        member = await session.get(Member, scope.member_id)
    assert member is not None
    assert member.created_at == local
    assert member.created_at.tzinfo is not None
