"""Each organisation's admins set how long its own records are kept, with `/ccpl settings
retention`, and the daily retention job keeps exactly that for its rows and no other's."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import RETENTION_EVERY, Clock
from bot.console import run_console
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Action, Actor, Context, Invalid, Platform, handle_action, handle_text
from handlers.core.roles import ADMIN
from handlers.people.organisation import SAVE_RETENTION
from storage import Database, ensure_scope
from storage.models import Activity, AuditEntry, CheckIn, Poll, PollVote
from storage.organisations import set_retention
from storage.retention import OWN_KINDS, Retention, enforce
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.teams_harness import FACILITATOR, running_teams
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster

HOST = "UHOST"  # a Slack admin in every workspace
MEMBER = "UMEMBER"
NOW = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)
DEPLOYMENT = Retention(participation=30, audit=60, checkins=20, polls=40)
OWN = {"participation": 10, "audit": 200, "checkins": 5, "polls": None}
# Each kind seeded at these ages in days, so each period cuts somewhere through them.
AGES = (3, 8, 12, 25, 35, 50, 100, 250)


def new_team() -> str:
    return "T" + uuid.uuid4().hex[:8].upper()


def said(answer: object) -> str:
    return json.dumps(answer)


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        harness.fake.set_user(MEMBER)
        yield harness


async def test_an_admin_sets_retention_by_form_for_their_organisation_only(
    bot: Harness,
) -> None:
    here, there = new_team(), new_team()
    refused = await bot.command(text="settings retention", team=here, user=MEMBER)
    assert "is for workspace admins" in refused["text"]

    view = await bot.open_form(text="settings retention", team=here, user=HOST, channel="C1")
    bad = {"participation": "0", "checkins": "forever", "polls": "3651", "audit": ""}
    sent = await submit_view(bot, view=view, answers=bad, team=here, user=HOST)
    errors = json.loads(sent.body)["errors"]
    assert set(errors) == {"participation", "checkins", "polls"}
    assert all("from 1 to 3,650, or leave it empty" in e for e in errors.values()), errors
    assert "Your participation counts: 365 days." in said(
        await bot.command(text="privacy", team=here, user=MEMBER)
    )

    good = {"participation": "30", "checkins": "", "polls": "", "audit": "400"}
    saved = await submit_view(bot, view=view, answers=good, team=here, user=HOST)
    assert saved.status == 200 and saved.body == "", saved.body
    mine = said(await bot.command(text="privacy", team=here, user=MEMBER))
    assert "Your participation counts: 30 days." in mine
    assert "The log of facilitator actions: 400 days." in mine
    assert "Check-in invitations, once closed: 365 days." in mine  # left to the deployment
    theirs = said(await bot.command(text="privacy", team=there, user=MEMBER))
    assert "Your participation counts: 365 days." in theirs
    assert "The log of facilitator actions: 730 days." in theirs

    shown = said(await bot.command(text="settings", team=here, user=HOST))
    assert "participation counts 30 days (set here)" in shown
    assert "closed polls 365 days (the deployment's)" in shown
    audit = said(await bot.command(text="audit", team=here, user=HOST))
    assert "settings.retention" in audit and "participation=30" in audit
    assert "settings.retention" not in said(await bot.command(text="audit", team=there, user=HOST))

    again = await bot.open_form(text="settings retention", team=here, user=HOST, channel="C1")
    assert '"initial_value": "400"' in said(again)  # what was saved, to change or keep
    cleared = {"participation": "", "checkins": "", "polls": "", "audit": ""}
    await submit_view(bot, view=again, answers=cleared, team=here, user=HOST)
    back = said(await bot.command(text="privacy", team=here, user=MEMBER))
    assert "Your participation counts: 365 days." in back


async def test_the_home_tab_shows_admins_the_periods_in_force(bot: Harness) -> None:
    org = new_team()
    view = await bot.open_form(text="settings retention", team=org, user=HOST, channel="C1")
    answers = {"participation": "45", "checkins": "", "polls": "", "audit": ""}
    await submit_view(bot, view=view, answers=answers, team=org, user=HOST)
    before = len(bot.fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": HOST, "tab": "home", "channel": "D1"}
    await bot.event(event=event, team=org, event_id=uuid.uuid4().hex)
    calls = await bot.fake.wait_for("views.publish", count=before + 1, successful=True)
    shown = said(calls[-1].params["view"])
    assert "participation counts 45 days" in shown and "audit entries 730 days" in shown


async def test_retention_by_card_in_teams_is_per_tenant(ctx: Context) -> None:
    tenant, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with running_teams(ctx=ctx, environ={"CCPL_ADMINS": FACILITATOR}) as teams:
        [form] = await teams.say("settings retention", tenant=tenant, user=FACILITATOR)
        wrong = {"participation": "ten", "checkins": "", "polls": "", "audit": ""}
        [refused] = await teams.press(
            form, title="Save", tenant=tenant, user=FACILITATOR, inputs=wrong
        )
        assert "leave it empty for the deployment" in said(refused.activity)
        right = {"participation": "14", "checkins": "", "polls": "", "audit": ""}
        [saved] = await teams.press(
            refused, title="Save", tenant=tenant, user=FACILITATOR, inputs=right
        )
        assert "participation counts 14 days (set here)" in saved.text
        here = await teams.say("privacy", tenant=tenant, user=FACILITATOR)
        there = await teams.say("privacy", tenant=other, user=FACILITATOR)
        assert "Your participation counts: 14 days." in said([s.activity for s in here])
        assert "Your participation counts: 365 days." in said([s.activity for s in there])


async def test_retention_at_the_console_asks_again_for_a_bad_number(
    ctx: Context, team: str
) -> None:
    lines = ["settings retention", "0", "", "", "", "21", "privacy"]
    out = io.StringIO()
    await run_console(ctx=ctx, stdin=_Piped("\n".join(lines) + "\n"), stdout=out, user=team)
    output = " ".join(out.getvalue().split())  # as read, whatever the line wrapping
    assert "Enter a whole number of days from 1 to 3,650" in output
    assert "participation counts 21 days (set here)" in output
    assert "Your participation counts: 21 days." in output


DAYS_TYPED = st.one_of(
    st.integers(min_value=-5, max_value=4000).map(str),
    st.text(max_size=12),
    st.sampled_from(["", " 30 ", "007", "3650", "3651", "1e3", "٣٠", "+5"]),
)


@settings(
    max_examples=40,
    deadline=None,
    # One organisation takes every example in turn, as its admin would.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(typed=st.fixed_dictionaries({kind: DAYS_TYPED for kind in OWN_KINDS}))
async def test_whatever_is_typed_is_saved_as_days_or_refused_beside_its_field(
    ctx: Context, team: str, typed: dict[str, str]
) -> None:
    admin = Actor(platform=Platform.SLACK, workspace=team, user="UADMIN", roles=frozenset({ADMIN}))
    before = await _periods(ctx, admin)
    action = Action(action_id=SAVE_RETENTION, values=MappingProxyType(dict(typed)))
    wanted = {k: v.strip() for k, v in typed.items()}
    bad = {k for k, v in wanted.items() if v and not _whole_days(v)}
    try:
        await handle_action(ctx=ctx, actor=admin, action=action)
    except Invalid as refused:
        assert set(refused.errors) == bad and bad, refused.errors
        assert await _periods(ctx, admin) == before  # nothing half-saved
        return
    assert not bad
    assert await _periods(ctx, admin) == {
        k: int(v) if v else getattr(ctx.retention, k) for k, v in wanted.items()
    }


def _whole_days(text: str) -> bool:
    return text.isascii() and text.isdigit() and 1 <= int(text) <= 3650


async def _periods(ctx: Context, actor: Actor) -> dict[str, int]:
    """The periods `/ccpl privacy` tells this organisation's members, by kind."""
    reply = await handle_text(ctx=ctx, actor=actor, text="privacy")
    kept = next(s for s in reply.sections if s.heading == "How long things are kept").text
    found = {kind: re.search(rf"{PRIVACY_LINE[kind]}: (\d+) day", kept) for kind in OWN_KINDS}
    return {kind: int(match[1]) for kind, match in found.items() if match}


PRIVACY_LINE = {
    "participation": "Your participation counts",
    "checkins": "Check-in invitations, once closed",
    "polls": "Closed polls and their ballots",
    "audit": "The log of facilitator actions",
}


class _Piped(io.StringIO):
    def isatty(self) -> bool:
        return False


async def _seed(database: Database, team: str) -> int:
    """Rows of each kind an organisation can set, at every age in AGES; its workspace id."""
    async with database.transaction() as session:
        scope = await ensure_scope(session, platform="slack", workspace=team, user="U1", now=NOW)
        ws, me = scope.workspace_id, scope.member_id
        for age in AGES:
            at = NOW - timedelta(days=age, hours=1)
            session.add(
                Activity(
                    workspace_id=ws,
                    channel="C1",
                    member_id=me,
                    day=at.date(),
                    messages=1,
                    replies=0,
                    reactions=0,
                )
            )
            session.add(AuditEntry(workspace_id=ws, actor="U1", action="a", detail="", at=at))
            session.add(
                CheckIn(
                    workspace_id=ws,
                    member_id=me,
                    channel="C1",
                    prompt="p",
                    sent_at=at,
                    status="closed",
                )
            )
            poll = Poll(
                workspace_id=ws,
                member_id=me,
                channel="C1",
                question="q?",
                options=["a", "b"],
                anonymous=False,
                salt=None,
                closed=True,
                created_at=at,
            )
            session.add(poll)
            await session.flush()
            session.add(
                PollVote(
                    poll_id=poll.id, ballot=f"b{poll.id}", workspace_id=ws, member_id=me, choice=0
                )
            )
    return ws


async def _ages_left(database: Database, workspace_id: int) -> Counter[str]:
    """How many of each kind are left, by kind."""
    left: Counter[str] = Counter()
    async with database.transaction() as session:
        for model, kind in [
            (Activity, "participation"),
            (AuditEntry, "audit"),
            (CheckIn, "checkins"),
            (Poll, "polls"),
            (PollVote, "ballots"),
        ]:
            owned = model.workspace_id == workspace_id  # type: ignore[attr-defined]
            left[kind] = await session.scalar(select(func.count()).select_from(model).where(owned))
    return left


def _kept(days: int) -> int:
    return sum(1 for age in AGES if age < days)


@pytest.fixture
def rctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    clock.now = NOW
    return Context(pack=pack, database=own_database, clock=clock, retention=DEPLOYMENT)


async def test_two_organisations_each_keep_exactly_their_own_periods(rctx: Context) -> None:
    own_org, default_org = (
        await _seed(rctx.database, new_team()),
        await _seed(rctx.database, new_team()),
    )
    async with rctx.database.transaction() as session:
        await set_retention(session, workspace_id=own_org, days=OWN, now=NOW)
    clock = Clock(
        ctx=rctx,
        sender=OutboxSender(ctx=rctx, poster=RecordingPoster()),
        leadership=Leadership(database=rctx.database),
        grace=timedelta(hours=6),
    )
    try:
        removed = await clock.tidy()
    finally:
        await clock.leadership.release()
    own_left = await _ages_left(rctx.database, own_org)
    assert own_left == Counter(
        participation=_kept(10),
        audit=_kept(200),
        checkins=_kept(5),
        polls=_kept(DEPLOYMENT.polls),  # left to the deployment
        ballots=_kept(DEPLOYMENT.polls),
    )
    assert await _ages_left(rctx.database, default_org) == Counter(
        participation=_kept(30),
        audit=_kept(60),
        checkins=_kept(20),
        polls=_kept(40),
        ballots=_kept(40),
    )
    assert removed["participation"] == 2 * len(AGES) - _kept(10) - _kept(30)
    assert removed["audit"] == 2 * len(AGES) - _kept(200) - _kept(60)


async def test_deleting_in_small_batches_keeps_the_same_rows(rctx: Context) -> None:
    teams = [new_team() for _ in range(2)]
    ids = [await _seed(rctx.database, t) for t in teams]
    async with rctx.database.transaction() as session:
        await set_retention(session, workspace_id=ids[0], days=OWN, now=NOW)
    removed = await enforce(rctx.database, policy=DEPLOYMENT, now=NOW, batch=2)
    assert removed["checkins"] == 2 * len(AGES) - _kept(5) - _kept(20)
    assert (await _ages_left(rctx.database, ids[0]))["participation"] == _kept(10)
    assert (await _ages_left(rctx.database, ids[1]))["participation"] == _kept(30)
    # Six days on, the rows that have since aged out go, and nothing else.
    later = await enforce(rctx.database, policy=DEPLOYMENT, now=NOW + RETENTION_EVERY * 6, batch=2)
    assert later["participation"] == 2  # the 25-day row in one, the 8-day row in the other
