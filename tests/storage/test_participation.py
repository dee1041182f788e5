"""Participation counts and the quiet and room reports, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from storage import Database, Scope, ensure_scope
from storage.models import Activity, Member
from storage.participation import (
    MESSAGE,
    REACTION,
    REPLY,
    member_joined,
    member_left,
    own_counts,
    quiet_members,
    record_activity,
    room_breakdown,
    set_counting,
    sync_channel,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)
CHANNEL = "CFORUM"


async def scope_of(database: Database, team: str, user: str) -> Scope:
    async with database.transaction() as session:
        return await ensure_scope(session, platform="slack", workspace=team, user=user, now=NOW)


async def count(database: Database, scope: Scope, *, day: date, kind: str = MESSAGE) -> bool:
    async with database.transaction() as session:
        return await record_activity(session, scope=scope, channel=CHANNEL, day=day, kind=kind)


async def test_counts_add_up_per_day_and_kind(database: Database, team: str) -> None:
    ann = await scope_of(database, team, "UANN")
    for kind in (MESSAGE, MESSAGE, REPLY, REACTION):
        await count(database, ann, day=date(2026, 11, 19), kind=kind)
    await count(database, ann, day=date(2026, 11, 20))
    async with database.transaction() as session:
        mine = await own_counts(session, scope=ann, since=date(2026, 11, 1))
    assert [(c.channel, c.messages, c.replies, c.reactions) for c in mine] == [(CHANNEL, 3, 1, 1)]
    assert mine[0].last_day == date(2026, 11, 20)


async def test_quiet_lists_exactly_the_silent_members(database: Database, team: str) -> None:
    async with database.transaction() as session:
        first = await ensure_scope(session, platform="slack", workspace=team, user="UX", now=NOW)
        await sync_channel(
            session,
            workspace_id=first.workspace_id,
            channel=CHANNEL,
            users=["UTALK", "USILENT", "UOLD", "UPAUSED", "UOPTOUT"],
            now=SINCE - timedelta(days=5),
        )
    talker = await scope_of(database, team, "UTALK")
    old = await scope_of(database, team, "UOLD")
    paused = await scope_of(database, team, "UPAUSED")
    optout = await scope_of(database, team, "UOPTOUT")
    newcomer = await scope_of(database, team, "UNEW")
    await count(database, talker, day=date(2026, 11, 18))
    await count(database, old, day=date(2026, 9, 1))
    async with database.transaction() as session:
        member = await session.get(Member, paused.member_id)
        assert member is not None
        member.paused_until = NOW + timedelta(days=7)
        await set_counting(session, scope=optout, counted=False)
        await member_joined(session, scope=newcomer, channel=CHANNEL, at=NOW - timedelta(days=2))
    async with database.transaction() as session:
        quiet = await quiet_members(
            session, workspace_id=talker.workspace_id, channel=CHANNEL, since=SINCE, now=NOW
        )
    assert [(q.user, q.last_contributed) for q in quiet] == [
        ("USILENT", None),
        ("UOLD", date(2026, 9, 1)),
    ]


async def test_someone_who_left_is_not_reported(database: Database, team: str) -> None:
    gone = await scope_of(database, team, "UGONE")
    async with database.transaction() as session:
        await member_joined(session, scope=gone, channel=CHANNEL, at=NOW - timedelta(days=90))
        await member_left(session, scope=gone, channel=CHANNEL)
        quiet = await quiet_members(
            session, workspace_id=gone.workspace_id, channel=CHANNEL, since=SINCE, now=NOW
        )
    assert quiet == []


async def test_opting_out_stores_nothing_and_erases_what_was_held(
    database: Database, team: str
) -> None:
    ann = await scope_of(database, team, "UANN")
    await count(database, ann, day=date(2026, 11, 19))
    async with database.transaction() as session:
        erased = await set_counting(session, scope=ann, counted=False)
    assert erased == 1
    assert await count(database, ann, day=date(2026, 11, 20)) is False
    async with database.transaction() as session:
        held = (
            await session.scalars(select(Activity).where(Activity.member_id == ann.member_id))
        ).all()
    assert held == []


async def test_room_breakdown_by_profession(database: Database, team: str) -> None:
    people = {"UN1": "nursing", "UN2": "nursing", "UP1": "pharmacy", "UX1": None}
    scopes = {u: await scope_of(database, team, u) for u in people}
    async with database.transaction() as session:
        for user, profession in people.items():
            member = await session.get(Member, scopes[user].member_id)
            assert member is not None
            member.profession = profession
            await member_joined(
                session, scope=scopes[user], channel=CHANNEL, at=NOW - timedelta(days=60)
            )
    await count(database, scopes["UN1"], day=date(2026, 11, 10))
    await count(database, scopes["UP1"], day=date(2026, 10, 1))  # before the window
    async with database.transaction() as session:
        rows = await room_breakdown(
            session, workspace_id=scopes["UN1"].workspace_id, channel=CHANNEL, since=SINCE, now=NOW
        )
    got = {(r.profession, r.members, r.contributors) for r in rows}
    assert got == {("nursing", 2, 1), ("pharmacy", 1, 0), (None, 1, 0)}


async def test_a_later_sync_dates_newcomers_and_drops_leavers(
    database: Database, team: str
) -> None:
    first = await scope_of(database, team, "UA")
    async with database.transaction() as session:
        await sync_channel(
            session,
            workspace_id=first.workspace_id,
            channel=CHANNEL,
            users=["UA", "UB"],
            now=NOW - timedelta(days=60),
        )
        await sync_channel(
            session, workspace_id=first.workspace_id, channel=CHANNEL, users=["UA", "UC"], now=NOW
        )
        quiet = await quiet_members(
            session, workspace_id=first.workspace_id, channel=CHANNEL, since=SINCE, now=NOW
        )
    # UB left; UC only just arrived, so is not called quiet.
    assert [q.user for q in quiet] == ["UA"]
