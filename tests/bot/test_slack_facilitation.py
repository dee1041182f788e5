"""Facilitation in Slack, by signed requests and events: roles, counting, the quiet
report, check-ins with anonymous answers, privacy switches and the home tab."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from handlers import Context
from storage import Database
from storage.models import Base, CheckIn, CheckInResponse, Member
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_schedules import button, dms_to, set_up_forums, tick
from tests.clock import FakeClock

TEAM = "TSCHED"  # set_up_forums works in this team, as HOST
HOST = "UHOST"
FORUM = "C0FORUM"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        yield harness


async def say(bot: Harness, user: str, *, thread: str | None = None, event_id: str = "") -> None:
    ts = f"{uuid.uuid4().int % 10**9}.000100"
    event: dict[str, Any] = {
        "type": "message",
        "channel": FORUM,
        "channel_type": "channel",
        "user": user,
        "text": "A thought about shared care records",
        "ts": ts,
    }
    if thread:
        event["thread_ts"] = thread
    sent = await bot.event(event=event, team=TEAM, event_id=event_id or uuid.uuid4().hex)
    assert sent.status == 200


async def react(bot: Harness, user: str) -> None:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": FORUM, "ts": "1.000001"},
    }
    assert (await bot.event(event=event, team=TEAM, event_id=uuid.uuid4().hex)).status == 200


async def join(bot: Harness, user: str) -> None:
    event = {"type": "member_joined_channel", "user": user, "channel": FORUM, "team": TEAM}
    assert (await bot.event(event=event, team=TEAM, event_id=uuid.uuid4().hex)).status == 200


def all_text(answer: dict[str, Any]) -> str:
    return str(answer.get("text", "")) + json.dumps(answer.get("blocks", []))


async def test_members_are_refused_facilitator_commands_and_admins_are_not(
    bot: Harness,
) -> None:
    bot.fake.set_channel_members(FORUM, [HOST, "UMEMBER"])
    for command in ("quiet", "check-in", "facilitators add <@UOTHER|other>"):
        answer = await bot.command(text=command, team=TEAM, user="UMEMBER")
        assert "is for facilitators" in answer["text"], command
    answer = await bot.command(text="audit", team=TEAM, user="UMEMBER")
    assert "is for workspace admins" in answer["text"]
    answer = await bot.command(text="quiet", team=TEAM, user=HOST)
    assert "<@UMEMBER>" in all_text(answer)
    # The asker is never in their own report, as a check-in never invites them.
    assert f"<@{HOST}>" not in all_text(answer)
    answer = await bot.command(text="audit", team=TEAM, user=HOST)
    assert "report.quiet" in all_text(answer)


async def test_quiet_hours_still_work_under_the_same_word(bot: Harness) -> None:
    answer = await bot.command(text="quiet 19:00-08:00", team=TEAM, user="UMEMBER")
    assert answer["text"].startswith("Quiet hours set")


async def test_quiet_lists_exactly_the_members_with_no_counted_activity(
    bot: Harness, sctx: Context, clock: FakeClock
) -> None:
    everyone = [HOST, "UANN", "UBEN", "UCAT", "UDAN", "USILENT"]
    bot.fake.set_channel_members(FORUM, everyone)
    await say(bot, "UDAN")  # 1 November: long before the window
    clock.advance(timedelta(days=40))
    await say(bot, HOST)
    await say(bot, "UANN", event_id="Ev-ann")
    retry = {"type": "message", "channel": FORUM, "channel_type": "channel", "user": "UANN"}
    await bot.event(event={**retry, "ts": "9.9"}, team=TEAM, event_id="Ev-ann", retry=1)
    await say(bot, "UBEN", thread="1.000001")
    await react(bot, "UCAT")
    answer = await bot.command(text="quiet", team=TEAM, user=HOST)
    # UEVE arrives after the members were first read: a newcomer is not called quiet.
    await join(bot, "UEVE")
    bot.fake.set_channel_members(FORUM, [*everyone, "UEVE"])
    answer = await bot.command(text=f"quiet <#{FORUM}|forum> 30", team=TEAM, user=HOST)
    shown = all_text(answer)
    assert "2 member(s)" in answer["text"]
    assert "<@USILENT>" in shown and "<@UDAN>" in shown
    assert "last contributed 40 days ago" in shown
    for spoke in ("UANN", "UBEN", "UCAT", "UEVE", HOST):
        assert f"<@{spoke}>" not in shown, spoke
    assert answer.get("response_type") == "ephemeral"
    # The retried event was counted once, and no message text was kept anywhere.
    mine = await bot.command(text="privacy", team=TEAM, user="UANN")
    assert "1 messages, 0 thread replies, 0 reactions" in all_text(mine)
    assert "shared care records" not in await dump(sctx.database)


async def open_by_click(bot: Harness, pressed: dict[str, Any], *, user: str) -> dict[str, Any]:
    """Press a button that opens a modal; return the modal as Slack received it."""
    before = len(bot.fake.calls_to("views.open"))
    await bot.click(
        action_id=pressed["action_id"], value=pressed["value"], team=TEAM, user=user, wait=False
    )
    calls = await bot.fake.wait_for("views.open", count=before + 1)
    view: dict[str, Any] = calls[-1].params["view"]
    return view


async def dump(database: Database) -> str:
    """Every row of every table as text, to look for what must not be stored."""
    found = []
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table))
            found += [repr(tuple(r)) for r in rows]
    return "\n".join(found)


async def test_check_ins_arrive_by_dm_and_anonymous_answers_carry_no_identity(
    bot: Harness, sctx: Context, clock: FakeClock
) -> None:
    await set_up_forums(bot, rules_by_channel={FORUM: "Be kind"})
    clock.now = datetime(2026, 11, 3, 12, 31, tzinfo=UTC)  # first Tuesday, 12:30
    await tick(sctx, bot)
    [prompt_post] = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == FORUM and "this month's discussion" in c.params["text"]
    ]
    prompt_ts = prompt_post.response["ts"]
    bot.fake.set_channel_members(FORUM, [HOST, "UANN", "UQUIET", "USHY"])
    await say(bot, "UANN")

    answer = await bot.command(text="check-in", team=TEAM, user=HOST)
    assert "2 member(s)" in answer["text"]
    assert "<@UQUIET>" in answer["text"] and "<@UANN>" not in answer["text"]
    await tick(sctx, bot)
    [invitation] = [
        c.params
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == "UQUIET"
    ]
    assert "Would you like to add yours?" in all_text(invitation)
    for label in ("Share my view", "Share anonymously", "Not now", "Don't ask me again"):
        button(invitation, label)

    anon = button(invitation, "Share anonymously")
    form = await open_by_click(bot, anon, user="UQUIET")
    refused = await submit_view(
        bot,
        view=form,
        answers={"view": "Patient 943 476 5919 taught me this"},
        team=TEAM,
        user="UQUIET",
    )
    assert "NHS number" in refused.body
    view = "Social care should be in the room from the first meeting."
    sent = await submit_view(bot, view=form, answers={"view": view}, team=TEAM, user="UQUIET")
    assert sent.status == 200 and sent.body == ""
    [shared] = await bot.fake.wait_for_matching(
        lambda c: c.method == "chat.postMessage" and view in c.params.get("text", "")
    )
    assert shared.params["channel"] == FORUM
    assert shared.params["thread_ts"] == prompt_ts
    assert "anonymously" in shared.params["text"] and "UQUIET" not in shared.params["text"]
    stored = await dump(sctx.database)
    assert view not in stored
    assert shared.response["ts"] not in stored
    async with sctx.database.transaction() as session:
        statuses = (await session.execute(select(CheckIn.status))).scalars().all()
        responses = (await session.execute(select(CheckInResponse.token))).scalars().all()
    # Answered and unanswered invitations read alike; the one response is a keyed token.
    assert sorted(statuses) == ["pending", "pending"] and len(responses) == 1

    stop = button(
        next(
            c.params
            for c in bot.fake.calls_to("chat.postMessage", successful=True)
            if c.params["channel"] == "USHY"
        ),
        "Don't ask me again",
    )
    await bot.click(action_id=stop["action_id"], value=stop["value"], team=TEAM, user="USHY")
    # No one is asked twice in 30 days, and "don't ask me again" is kept.
    clock.advance(timedelta(days=10))
    again = await bot.command(text="check-in", team=TEAM, user=HOST)
    shown = all_text(again)
    assert "No one in" in again["text"]
    assert "1 already invited in the last 30 days" in shown
    assert "1 asked not to receive check-ins" in shown
    await tick(sctx, bot)
    invitations = [m for m in dms_to(bot, "UQUIET") if "Would you like to add yours?" in m]
    assert len(invitations) == 1


async def test_a_named_view_joins_the_thread_with_the_name(bot: Harness, sctx: Context) -> None:
    bot.fake.set_channel_members(FORUM, [HOST, "UQUIET"])
    await bot.command(text="check-in", team=TEAM, user=HOST)
    await tick(sctx, bot)
    [invitation] = [
        c.params
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] == "UQUIET"
    ]
    form = await open_by_click(bot, button(invitation, "Share my view"), user="UQUIET")
    view = "We could rotate who chairs."
    await submit_view(bot, view=form, answers={"view": view}, team=TEAM, user="UQUIET")
    [shared] = await bot.fake.wait_for_matching(
        lambda c: c.method == "chat.postMessage" and view in c.params.get("text", "")
    )
    assert shared.params["channel"] == FORUM and "<@UQUIET>" in shared.params["text"]


async def test_opting_out_of_counting_leaves_you_out_of_reports(
    bot: Harness, sctx: Context
) -> None:
    bot.fake.set_channel_members(FORUM, [HOST, "UANN", "UBEN"])
    await say(bot, HOST)
    mine = await bot.command(text="privacy", team=TEAM, user="UANN")
    stop = button(mine, "Stop counting me")
    answer = await bot.click(action_id=stop["action_id"], team=TEAM, user="UANN")
    assert "no longer counted" in answer["text"]
    await say(bot, "UANN")
    report = await bot.command(text="quiet", team=TEAM, user=HOST)
    assert "<@UBEN>" in all_text(report) and "<@UANN>" not in all_text(report)
    async with sctx.database.transaction() as session:
        held = await session.execute(
            text(
                "SELECT count(*) FROM activity JOIN members ON members.id = activity.member_id "
                "WHERE members.external_id = 'UANN'"
            )
        )
    assert held.scalar_one() == 0


async def test_facilitators_can_add_a_facilitator_and_admins_see_the_audit_log(
    bot: Harness,
) -> None:
    bot.fake.set_channel_members(FORUM, [HOST, "UBOB"])
    refused = await bot.command(text="quiet", team=TEAM, user="UBOB")
    assert "is for facilitators" in refused["text"]
    added = await bot.command(text="facilitators add <@UBOB|bob>", team=TEAM, user=HOST)
    assert "<@UBOB> can now run" in added["text"]
    listing = await bot.command(text="facilitators list", team=TEAM, user="UBOB")
    assert "<@UBOB>, added by <@UHOST>" in all_text(listing)
    assert "quiet" in all_text(await bot.command(text="quiet", team=TEAM, user="UBOB")).lower()
    assert (
        "is for workspace admins"
        in (await bot.command(text="audit", team=TEAM, user="UBOB"))["text"]
    )
    log = all_text(await bot.command(text="audit", team=TEAM, user=HOST))
    assert "facilitators.add" in log and "UBOB" in log
    await bot.command(text="facilitators remove <@UBOB>", team=TEAM, user=HOST)
    refused = await bot.command(text="check-in", team=TEAM, user="UBOB")
    assert "is for facilitators" in refused["text"]


async def test_the_home_tab_shows_tip_cpd_and_for_facilitators_forum_health(
    bot: Harness, sctx: Context
) -> None:
    async def open_home(user: str) -> str:
        before = len(bot.fake.calls_to("views.publish"))
        event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"}
        await bot.event(event=event, team=TEAM, event_id=uuid.uuid4().hex)
        calls = await bot.fake.wait_for("views.publish", count=before + 1, successful=True)
        assert calls[-1].params["user_id"] == user
        return json.dumps(calls[-1].params["view"])

    member = await open_home("UANN")
    assert "Tip of the day" in member and "My reflections and CPD" in member
    assert "Forum health" not in member
    await set_up_forums(bot, rules_by_channel={FORUM: "Be kind"})
    bot.fake.set_channel_members(FORUM, [HOST, "UANN"])
    report = all_text(await bot.command(text=f"quiet <#{FORUM}|forum>", team=TEAM, user=HOST))
    assert "1 member(s)" in report and "<@UANN>" in report
    facilitator = await open_home(HOST)
    assert "Forum health" in facilitator and f"<#{FORUM}>" in facilitator
    # The same count as the report the facilitator would open from it.
    assert "1 quiet for 30 days" in facilitator
    async with sctx.database.transaction() as session:
        members = (await session.execute(select(Member.external_id))).scalars().all()
    assert "UANN" in members


async def test_a_channel_with_nobody_known_says_so_rather_than_all_clear(bot: Harness) -> None:
    answer = await bot.command(text="quiet <#C0EMPTY|empty>", team=TEAM, user=HOST)
    assert "I don't know of anyone in <#C0EMPTY> yet" in answer["text"]


async def test_people_in_ccpl_admins_read_the_audit_log_without_being_slack_admins(
    sctx: Context,
) -> None:
    async with running_bot(ctx=sctx, admins=frozenset({"UAUDITOR"})) as bot:
        bot.fake.set_channel_members(FORUM, ["UAUDITOR", "UMEMBER"])
        answer = await bot.command(text="quiet", team=TEAM, user="UAUDITOR")
        assert "<@UMEMBER>" in all_text(answer)
        log = all_text(await bot.command(text="audit", team=TEAM, user="UAUDITOR"))
        assert "report.quiet" in log
        refused = await bot.command(text="audit", team=TEAM, user="UMEMBER")
        assert "is for workspace admins" in refused["text"]


async def test_someone_who_used_forget_me_is_not_brought_back_by_the_channel(
    bot: Harness, sctx: Context
) -> None:
    bot.fake.set_channel_members(FORUM, [HOST, "UGONE", "USTAY"])
    await say(bot, "UGONE")
    forget = await bot.command(text="forget-me", team=TEAM, user="UGONE")
    confirm = button(forget, "Yes, erase my data")
    await bot.click(action_id=confirm["action_id"], team=TEAM, user="UGONE")
    # Their messages, the member list and a join no longer count them or report them.
    await say(bot, "UGONE")
    await join(bot, "UGONE")
    report = all_text(await bot.command(text="quiet", team=TEAM, user=HOST))
    assert "<@USTAY>" in report and "UGONE" not in report
    assert "UGONE" not in await dump(sctx.database)
    # Using the bot again is coming back: from then on they are counted as anyone.
    await bot.command(text="tip", team=TEAM, user="UGONE")
    await say(bot, "UGONE")
    mine = await bot.command(text="privacy", team=TEAM, user="UGONE")
    assert "1 messages" in all_text(mine)
