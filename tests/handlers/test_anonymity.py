"""Anonymity and erasure as a database reader sees them: a full dump of every table.

Someone holding a dump (or a backup) but not the server's data key must not be
able to tell who answered a check-in anonymously, who cast which anonymous
ballot, or who asked to be forgotten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from content import ContentPack
from handlers import Action, Actor, Context, Invalid, NotFound, handle_action, handle_text
from handlers.core.model import Platform
from handlers.core.roles import ADMIN
from handlers.facilitation.checkins import (
    NOT_NOW_ACTION,
    VIEW_FORM,
    VIEW_STATE,
    Sharing,
    ViewState,
)
from storage import Database
from storage.checkins import add_checkin
from storage.crypto import KEYRING
from storage.facilitators import grant
from storage.forgotten import forgotten_among
from storage.models import AuditEntry, Base, CheckIn, FacilitatorGrant, ForgottenPerson
from storage.polls import anonymous_ballot
from storage.repositories import ensure_scope
from tests.clock import FakeClock
from tests.handlers.test_polls import option, press, start, tool

FORUM = "C0FORUM"
PROMPT = "What matters most to you about how we work together?"


def as_user(actor: Actor, user: str) -> Actor:
    return dataclasses.replace(actor, user=user)


async def table_rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row of every table the models know."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table))
            found[table.name] = [dict(r._mapping) for r in rows]
    return found


def flat(rows: dict[str, list[dict[str, Any]]]) -> str:
    return "\n".join(f"{name} {row!r}" for name, table in rows.items() for row in table)


def plain_digests(*, workspace_id: int, workspace: str, user: str, salts: list[str]) -> set[str]:
    """What anyone holding a person's ids could compute without the server's key."""
    digests = {
        hashlib.sha256(f"{workspace_id}:{user}".encode()).hexdigest(),
        hashlib.sha256(f"{workspace}:{user}".encode()).hexdigest(),
    }
    for salt in salts:
        for message in (f"{workspace}:{user}", f"{workspace_id}:{user}"):
            digests.add(hmac.new(salt.encode(), message.encode(), hashlib.sha256).hexdigest())
    return digests


async def invite(ctx: Context, actor: Actor) -> int:
    async with ctx.acting(actor) as (session, scope):
        row = await add_checkin(
            session,
            workspace_id=scope.workspace_id,
            member_id=scope.member_id,
            channel=FORUM,
            thread="1700000000.000100",
            prompt=PROMPT,
            now=ctx.clock(),
        )
    return row.id


async def share(ctx: Context, actor: Actor, checkin_id: int, *, anonymous: bool) -> None:
    sharing = Sharing.ANONYMOUS if anonymous else Sharing.NAMED
    state = VIEW_STATE.encode(ViewState(checkin_id=checkin_id, sharing=sharing))
    answer = await handle_action(
        ctx=ctx,
        actor=actor,
        action=Action(action_id=VIEW_FORM, value=state, values={"view": "Rotate the chair."}),
    )
    assert "Thank you" in answer.text


async def statuses(database: Database, ids: list[int]) -> list[str]:
    async with database.transaction() as session:
        rows = await session.execute(select(CheckIn.id, CheckIn.status).where(CheckIn.id.in_(ids)))
        by_id = {i: s for i, s in rows}
    return [by_id[i] for i in ids]


@pytest.fixture
def own_ctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    return Context(pack=pack, database=own_database, clock=clock, rng=random.Random(7))


async def test_check_in_answers_leave_every_invitation_of_the_round_alike(
    ctx: Context, actor: Actor, clock: FakeClock
) -> None:
    named, anon, silent, busy = (as_user(actor, u) for u in ("UNAMED", "UANON", "USIL", "UBUSY"))
    ids = [await invite(ctx, who) for who in (named, anon, silent, busy)]
    await share(ctx, named, ids[0], anonymous=False)
    await share(ctx, anon, ids[1], anonymous=True)
    await handle_action(
        ctx=ctx, actor=busy, action=Action(action_id=NOT_NOW_ACTION, value=str(ids[3]))
    )
    # With the named post in the thread, a difference here would name the anonymous author.
    assert len(set(await statuses(ctx.database, ids))) == 1
    # Still only one answer each.
    state = VIEW_STATE.encode(ViewState(checkin_id=ids[1], sharing=Sharing.ANONYMOUS))
    again = Action(action_id=VIEW_FORM, value=state, values={"view": "And another thing."})
    with pytest.raises((Invalid, NotFound)):
        await handle_action(ctx=ctx, actor=anon, action=again)

    # The round closes a week on, and then every invitation reads the same.
    clock.advance(timedelta(days=8))
    late = Action(action_id=VIEW_FORM, value=state, values={"view": "Late view."})
    with pytest.raises((Invalid, NotFound)):
        await handle_action(ctx=ctx, actor=silent, action=late)
    closed = await statuses(ctx.database, ids)
    assert len(set(closed)) == 1 and closed[0] != "pending"


# Transaction ids (xmin) are PostgreSQL's, so this runs there only.
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_first_time_voter_and_their_ballot_never_share_a_transaction(
    ctx: Context, actor: Actor, database: Database
) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday" anonymous')
    newcomer = as_user(actor, "UNEWVOTER")
    await press(ctx, newcomer, option(post, "Tuesday"))
    async with database.transaction() as session:
        member_xmin = (
            await session.execute(
                text(
                    "SELECT m.xmin::text FROM members m JOIN workspaces w "
                    "ON w.id = m.workspace_id WHERE w.external_id = :ws AND m.external_id = :u"
                ),
                {"ws": actor.workspace, "u": newcomer.user},
            )
        ).scalar_one()
        ballot_xmins = (
            (
                await session.execute(
                    text(
                        "SELECT v.xmin::text FROM poll_votes v JOIN workspaces w "
                        "ON w.id = v.workspace_id WHERE w.external_id = :ws"
                    ),
                    {"ws": actor.workspace},
                )
            )
            .scalars()
            .all()
        )
    assert len(ballot_xmins) == 1 and member_xmin not in ballot_xmins


async def test_forget_me_leaves_no_name_in_the_audit_log_or_the_grants(
    ctx: Context, actor: Actor
) -> None:
    leaver = as_user(actor, "ULEAVER9")
    async with ctx.acting(leaver) as (session, _):
        target = await ensure_scope(
            session,
            platform=actor.platform,
            workspace=actor.workspace,
            user="UGRANTEE9",
            now=ctx.clock(),
        )
        await grant(session, scope=target, by=leaver.user, now=ctx.clock())
        session.add(
            AuditEntry(
                workspace_id=target.workspace_id,
                actor=leaver.user,
                action="facilitators.add",
                detail="UGRANTEE9",
                at=ctx.clock(),
            )
        )
        session.add(
            AuditEntry(
                workspace_id=target.workspace_id,
                actor="UGRANTEE9",
                action="facilitators.add",
                detail=leaver.user,
                at=ctx.clock(),
            )
        )
    await handle_action(ctx=ctx, actor=leaver, action=Action(action_id="privacy.forget.confirmed"))

    async with ctx.database.transaction() as session:
        entries = (
            await session.execute(
                select(AuditEntry.actor, AuditEntry.detail)
                .where(AuditEntry.workspace_id == target.workspace_id)
                .order_by(AuditEntry.id)
            )
        ).all()
        added_by = await session.scalar(
            select(FacilitatorGrant.added_by).where(
                FacilitatorGrant.workspace_id == target.workspace_id
            )
        )
        digests = list(
            await session.scalars(
                select(ForgottenPerson.digest).where(
                    ForgottenPerson.workspace_id == target.workspace_id
                )
            )
        )
        still_forgotten = await forgotten_among(
            session, workspace_id=target.workspace_id, users=[leaver.user, "UGRANTEE9"]
        )
    assert [tuple(e) for e in entries] == [
        ("a forgotten person", "UGRANTEE9"),
        ("UGRANTEE9", "a forgotten person"),
    ]
    assert added_by is None
    admin = dataclasses.replace(as_user(actor, "UADMIN9"), roles=frozenset({ADMIN}))
    log = await handle_text(ctx=ctx, actor=admin, text="audit")
    shown = "\n".join(section.text for section in log.sections)
    assert "a forgotten person `facilitators.add`" in shown and leaver.user not in shown
    listing = await handle_text(ctx=ctx, actor=admin, text="facilitators list")
    assert "added by a forgotten person" in "\n".join(s.text for s in listing.sections)
    plain = hashlib.sha256(f"{target.workspace_id}:{leaver.user}".encode()).hexdigest()
    assert digests and plain not in digests
    assert still_forgotten == {leaver.user}


async def test_people_forgotten_under_the_old_plain_digest_are_still_recognised(
    ctx: Context, actor: Actor
) -> None:
    async with ctx.acting(actor) as (session, scope):
        old = hashlib.sha256(f"{scope.workspace_id}:UOLDGONE".encode()).hexdigest()
        session.add(ForgottenPerson(workspace_id=scope.workspace_id, digest=old))
    async with ctx.database.transaction() as session:
        found = await forgotten_among(
            session, workspace_id=scope.workspace_id, users=["UOLDGONE", "USTILL"]
        )
        kept = list(
            await session.scalars(
                select(ForgottenPerson.digest).where(
                    ForgottenPerson.workspace_id == scope.workspace_id
                )
            )
        )
    assert found == {"UOLDGONE"}
    # Recognised once, it is kept from then on in the keyed form only.
    assert old not in kept and len(kept) == 1


async def test_a_dump_of_every_table_links_no_anonymous_answer_and_no_forgotten_person(
    own_ctx: Context, clock: FakeClock
) -> None:
    ctx = own_ctx
    host = Actor(platform=Platform.SLACK, workspace="TDUMP1", user="UHOSTDUMP")
    anon_voter, anon_writer, named_writer, leaver = (
        as_user(host, u) for u in ("UANONVOTER", "UANONWRITER", "UNAMEDWRITER", "ULEAVERDUMP")
    )

    post = await start(ctx, host, 'poll "Which day?" "Tuesday" "Thursday" anonymous')
    await press(ctx, anon_voter, option(post, "Tuesday"))
    await press(ctx, anon_voter, option(post, "Thursday"))  # changed: still one ballot
    await press(ctx, leaver, option(post, "Tuesday"))
    await press(ctx, named_writer, tool(post, "Results"))

    ids = [await invite(ctx, who) for who in (anon_writer, named_writer, leaver)]
    await share(ctx, anon_writer, ids[0], anonymous=True)
    await share(ctx, named_writer, ids[1], anonymous=False)
    await handle_action(ctx=ctx, actor=leaver, action=Action(action_id="privacy.forget.confirmed"))

    rows = await table_rows(ctx.database)
    dump = flat(rows)
    [workspace] = rows["workspaces"]
    members = {m["external_id"]: m["id"] for m in rows["members"]}
    salts = [p["salt"] for p in rows["polls"] if p["salt"]]
    assert salts, "the open poll keeps its salt: the check below must have one to try"

    # The forgotten person: no id, no member row, no digest anyone could recompute.
    assert leaver.user not in dump
    for digest in plain_digests(
        workspace_id=workspace["id"], workspace=host.workspace, user=leaver.user, salts=salts
    ):
        assert digest not in dump

    # Anonymous ballots: no member id, and no token computable from the dump and the ids.
    ballots = rows["poll_votes"]
    assert len(ballots) == 1 and ballots[0]["member_id"] is None
    for user in (anon_voter.user, named_writer.user, host.user):
        assert ballots[0]["ballot"] not in plain_digests(
            workspace_id=workspace["id"], workspace=host.workspace, user=user, salts=salts
        )
        assert f"member:{members[user]}" not in dump

    # Check-ins: the named and the anonymous author's invitations read exactly alike.
    invitations = {r["member_id"]: r for r in rows["checkins"]}
    mine, theirs = invitations[members[anon_writer.user]], invitations[members[named_writer.user]]
    assert {k: v for k, v in mine.items() if k not in ("id", "member_id")} == {
        k: v for k, v in theirs.items() if k not in ("id", "member_id")
    }
    # Nothing else in the dump mentions either invitation by id next to an answer.
    for name, table in rows.items():
        if name == "checkins":
            continue
        for row in table:
            assert not ({"checkin_id"} & set(row)), name
    # The keyed forms need the server's key, which is not in the database.
    assert KEYRING.key().text() not in dump


async def test_anonymous_ballots_keep_no_trace_of_the_order_they_were_cast(
    own_ctx: Context,
) -> None:
    ctx = own_ctx
    host = Actor(platform=Platform.SLACK, workspace="TORDER1", user="UHOSTORDER")
    post = await start(ctx, host, 'poll "Which day?" "Tuesday" "Thursday" anonymous')
    voters = [as_user(host, f"UVOTER{n}") for n in range(8)]
    for n, voter in enumerate(voters):
        await press(ctx, voter, option(post, "Tuesday" if n % 2 else "Thursday"))
    async with ctx.database.transaction() as session:
        salt = await session.scalar(text("SELECT salt FROM polls"))
        if ctx.database.is_postgres:
            rows = await session.execute(text("SELECT ballot, xmin::text FROM poll_votes"))
            # Each ballot's transaction id would date it; written together, they share one.
            assert len({xmin for _, xmin in rows}) == 1
        # The physical order a file or a page dump shows.
        physical = "ctid" if ctx.database.is_postgres else "rowid"
        stored = list(
            await session.scalars(text(f"SELECT ballot FROM poll_votes ORDER BY {physical}"))
        )
    assert salt is not None
    cast = [
        anonymous_ballot(salt=salt, workspace=host.workspace, user=voter.user) for voter in voters
    ]
    assert sorted(stored) == sorted(cast)
    # In storage order a reader would otherwise see the voters in the order they first came.
    assert stored != cast


# Transaction ids (xmin) are PostgreSQL's, so this runs there only.
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_closing_old_rounds_never_shares_a_transaction_with_a_response(
    ctx: Context, actor: Actor, database: Database, clock: FakeClock
) -> None:
    alone = as_user(actor, "UALONE")
    old = await invite(ctx, alone)  # a round of one: closing it names them
    clock.advance(timedelta(days=8))
    new = await invite(ctx, as_user(actor, "UALONE"))
    await share(ctx, alone, new, anonymous=True)
    async with database.transaction() as session:
        closed = (
            await session.execute(
                text("SELECT status, xmin::text FROM checkins WHERE id = :id"), {"id": old}
            )
        ).one()
        tokens = list(
            await session.scalars(
                text(
                    "SELECT r.xmin::text FROM checkin_responses r JOIN workspaces w "
                    "ON w.id = r.workspace_id WHERE w.external_id = :ws"
                ),
                {"ws": actor.workspace},
            )
        )
    assert closed[0] == "closed" and len(tokens) == 1 and closed[1] not in tokens
