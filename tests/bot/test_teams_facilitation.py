"""Facilitation in Teams, by signed Activity JSON: channel messages, replies and reactions
counted without an answer, the team's roster as the channel's members, the quiet report,
check-ins with anonymous answers, facilitators added by @mention and the admins' audit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from content import ContentPack
from handlers import Context
from storage import Database
from storage.models import CheckIn, CheckInResponse
from tests.bot.teams_harness import APP_ID, FACILITATOR, TeamsHarness, running_teams
from tests.bot.test_slack_facilitation import dump
from tests.bot.test_teams_schedules import personal, tick
from tests.clock import FakeClock
from tests.fakes.teams_connector import Sent

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
TEAM = "19:team@thread.tacv2"  # the team the harness puts every channel in
FORUM = "19:forum-channel@thread.tacv2"
ADMIN = "ad000000-0000-4000-8000-0000000000ad"
SAID = "A thought about shared care records"


def person(n: int) -> str:
    return f"7a7a7a7a-0000-4000-8000-{n:012d}"


ANN, BEN, CAT, DAN, SILENT, EVE, BOB, CAROL = (person(n) for n in range(1, 9))


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=sctx, environ={"CCPL_ADMINS": ADMIN}) as harness:
        yield harness


async def post(
    bot: TeamsHarness, user: str, *, root: str | None = None, again: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[Sent]]:
    """A channel message that does not mention the bot: a new post, or a reply to `root`."""
    activity = again or bot.activity(tenant=TENANT, user=user, channel=FORUM)
    activity["text"] = SAID
    # A new post's conversation names the post itself; a reply's names its thread's root.
    activity["conversation"]["id"] = f"{FORUM};messageid={root or activity['id']}"
    if root:
        activity["replyToId"] = root
    before = len(bot.fake.sent)
    assert (await bot.post(activity)).status in (200, 202)
    return activity, bot.fake.sent[before:]


async def react(bot: TeamsHarness, user: str, *, to: str) -> list[Sent]:
    activity = bot.activity(
        tenant=TENANT,
        user=user,
        channel=FORUM,
        kind="messageReaction",
        reactionsAdded=[{"type": "like"}],
        replyToId=to,
    )
    before = len(bot.fake.sent)
    assert (await bot.post(activity)).status in (200, 202)
    return bot.fake.sent[before:]


async def members(
    bot: TeamsHarness, *, added: tuple[str, ...] = (), removed: tuple[str, ...] = ()
) -> list[Sent]:
    """Teams' conversationUpdate for people (or the bot, by its "28:" id) joining or
    leaving the team."""

    def account(who: str) -> dict[str, str]:
        return {"id": who} if who.startswith("28:") else {"id": f"29:{who}", "aadObjectId": who}

    activity = bot.activity(
        tenant=TENANT,
        user=FACILITATOR,
        channel=FORUM,
        kind="conversationUpdate",
        membersAdded=[account(a) for a in added],
        membersRemoved=[account(r) for r in removed],
    )
    activity["conversation"]["id"] = FORUM
    activity["channelData"]["eventType"] = "teamMemberAdded" if added else "teamMemberRemoved"
    before = len(bot.fake.sent)
    assert (await bot.post(activity)).status in (200, 202)
    return bot.fake.sent[before:]


def mentioning(
    bot: TeamsHarness, text: str, *, user: str, people: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """`@CCPL <text>` in the forum, where `text` names people as `<at>Name</at>`."""
    activity = bot.activity(tenant=TENANT, user=user, channel=FORUM, text=text)
    activity["entities"] += [
        {"type": "mention", "text": f"<at>{name}</at>", "mentioned": mentioned}
        for name, mentioned in people.items()
    ]
    return activity


def said(sent: list[Sent]) -> str:
    return "\n".join(s.text for s in sent)


async def test_channel_talk_is_counted_unanswered_and_quiet_lists_the_silent_roster(
    bot: TeamsHarness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN, BEN, CAT, DAN, SILENT])
    bot.fake.roster_page = 2  # the roster arrives over several pages
    _, answered = await post(bot, DAN)  # 1 November: long before the window
    assert answered == []
    clock.advance(timedelta(days=40))
    root, answered = await post(bot, FACILITATOR)
    first, again = await post(bot, ANN)
    _, redelivered = await post(bot, ANN, again=first)  # the connector's retry
    _, replied = await post(bot, BEN, root=root["id"])
    reacted = await react(bot, CAT, to=root["id"])
    assert answered == again == redelivered == replied == reacted == []

    await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    assert [r["team"] for r in bot.fake.roster_reads] == [TEAM] * 4  # 7 accounts, 2 a page
    # EVE joins the team after the roster was read: a newcomer is not called quiet.
    assert await members(bot, added=(EVE,)) == []
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN, BEN, CAT, DAN, SILENT, EVE])
    answer = await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [note] = [s for s in answer if s.conversation.startswith(FORUM)]
    assert "answered in our personal chat" in note.text
    [report] = [s for s in answer if s.conversation == personal(FACILITATOR)]
    assert "2 member(s)" in report.text
    assert SILENT in report.text and DAN in report.text
    assert "last contributed 40 days ago" in report.text
    for spoke in (ANN, BEN, CAT, EVE, FACILITATOR, "28:bot"):
        assert spoke not in report.text, spoke

    # The redelivered message was counted once; each kind is counted as what it was.
    ann = said(await bot.say("privacy", tenant=TENANT, user=ANN))
    assert "1 messages, 0 thread replies, 0 reactions" in ann
    ben = said(await bot.say("privacy", tenant=TENANT, user=BEN))
    assert "0 messages, 1 thread replies, 0 reactions" in ben
    cat = said(await bot.say("privacy", tenant=TENANT, user=CAT))
    assert "0 messages, 0 thread replies, 1 reactions" in cat
    assert SAID not in await dump(sctx.database)

    # Someone who leaves the team leaves the report.
    await members(bot, removed=(DAN,))
    answer = await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [report] = [s for s in answer if s.conversation == personal(FACILITATOR)]
    assert "1 member(s)" in report.text and DAN not in report.text


async def test_the_bot_joining_a_team_reads_its_roster(bot: TeamsHarness) -> None:
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN])
    assert await members(bot, added=(f"28:{APP_ID}",)) == []
    assert [r["team"] for r in bot.fake.roster_reads] == [TEAM]
    answer = await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    assert len(bot.fake.roster_reads) == 1  # read a moment ago: not read again
    assert ANN in said(answer)


async def test_an_unknown_team_keeps_the_stored_members(bot: TeamsHarness) -> None:
    await post(bot, ANN)
    answer = await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    assert bot.fake.roster_reads  # asked, and Teams answered 404
    assert "Everyone in" in said(answer)  # ANN, seen speaking, is the only member known


async def test_check_ins_reach_quiet_members_and_anonymous_views_carry_no_name(
    bot: TeamsHarness, sctx: Context
) -> None:
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN, SILENT])
    await post(bot, ANN)
    answer = await bot.say("check-in", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [sending] = [s for s in answer if s.conversation == personal(FACILITATOR)]
    assert "1 member(s)" in sending.text and SILENT in sending.text and ANN not in sending.text

    # SILENT has never written to the bot: the roster told it how to reach them.
    await tick(sctx, bot)
    [invitation] = bot.fake.to(personal(SILENT))
    assert "Would you like to add yours?" in invitation.text
    [form] = await bot.press(invitation, title="Share anonymously", tenant=TENANT, user=SILENT)
    assert form.conversation == personal(SILENT) and form.cards

    refused = await bot.press(
        form,
        title="Share",
        tenant=TENANT,
        user=SILENT,
        inputs={"view": "Patient 943 476 5919 taught me this"},
    )
    assert "NHS number" in said(refused)
    assert not any(s.conversation.startswith(FORUM) for s in refused)

    view = "Social care should be in the room from the first meeting."
    answers = await bot.press(
        form, title="Share", tenant=TENANT, user=SILENT, inputs={"view": view}
    )
    [shared] = [s for s in answers if s.conversation.startswith(FORUM)]
    assert view in shared.text and "anonymously" in shared.text
    assert SILENT not in shared.text
    assert any("Thank you" in s.text for s in answers if s.conversation == personal(SILENT))
    stored = await dump(sctx.database)
    assert view not in stored and shared.id not in stored
    async with sctx.database.transaction() as session:
        statuses = (await session.execute(select(CheckIn.status))).scalars().all()
        responses = (await session.execute(select(CheckInResponse.token))).scalars().all()
    # The invitation reads like one never answered; the one response is a keyed token.
    assert statuses == ["pending"] and len(responses) == 1


async def test_facilitators_are_added_by_mention_and_only_admins_read_the_audit(
    bot: TeamsHarness,
) -> None:
    refused = await bot.say("quiet", tenant=TENANT, user=BOB, channel=FORUM)
    assert "is for facilitators" in said(refused)
    await bot.say("help", tenant=TENANT, user=CAROL)  # Carol has met the bot

    # Teams may or may not put the object id in a mention; Carol's Teams id is known.
    bob = {"id": f"29:{BOB}", "name": "Bob", "aadObjectId": BOB}
    carol = {"id": f"29:{CAROL}", "name": "Carol"}
    activity = mentioning(
        bot,
        "facilitators add <at>Bob</at> <at>Carol</at>",
        user=FACILITATOR,
        people={"Bob": bob, "Carol": carol},
    )
    before = len(bot.fake.sent)
    assert (await bot.post(activity)).status in (200, 202)
    added = said(bot.fake.sent[before:])
    assert "can now run" in added and BOB in added and CAROL in added

    allowed = await bot.say("quiet", tenant=TENANT, user=BOB, channel=FORUM)
    assert "is for facilitators" not in said(allowed)
    for user in (BOB, FACILITATOR):
        assert "is for team owners and admins" in said(
            await bot.say("audit", tenant=TENANT, user=user)
        )
    log = said(await bot.say("audit", tenant=TENANT, user=ADMIN))
    assert "facilitators.add" in log and BOB in log and CAROL in log
    # An admin is a facilitator too.
    report = await bot.say("quiet", tenant=TENANT, user=ADMIN, channel=FORUM)
    assert "is for facilitators" not in said(report)


async def test_a_mention_of_someone_unknown_is_refused_kindly(bot: TeamsHarness) -> None:
    stranger = {"id": f"29:{uuid.uuid4()}", "name": "Dee"}
    activity = mentioning(
        bot, "facilitators add <at>Dee</at>", user=FACILITATOR, people={"Dee": stranger}
    )
    before = len(bot.fake.sent)
    assert (await bot.post(activity)).status in (200, 202)
    assert "couldn't tell who" in said(bot.fake.sent[before:])


async def test_during_an_outage_only_messages_to_the_bot_are_answered(pack: ContentPack) -> None:
    down = Database(url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        async with running_teams(ctx=Context(pack=pack, database=down)) as bot:
            _, answered = await post(bot, ANN)
            assert answered == []  # the channel is not told about a count it lost
            answer = await bot.say("tip", tenant=TENANT, user=ANN, channel=FORUM)
            assert "try again" in said(answer).lower()
    finally:
        await down.dispose()


async def test_forget_me_is_not_undone_by_channel_talk_or_the_roster(
    bot: TeamsHarness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN, SILENT])
    await post(bot, ANN)
    await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [asked] = await bot.say("forget-me", tenant=TENANT, user=ANN)
    await bot.press(asked, title="Yes, erase my data", tenant=TENANT, user=ANN)
    await post(bot, ANN)
    await react(bot, ANN, to="1")
    await members(bot, added=(ANN,))
    clock.advance(timedelta(days=2))  # the roster is read again, ANN still on it
    answer = await bot.say("quiet", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    [report] = [s for s in answer if s.conversation == personal(FACILITATOR)]
    assert SILENT in report.text and ANN not in report.text
    assert ANN not in await dump(sctx.database)


async def test_a_report_asked_in_a_personal_chat_names_its_channel_by_mention(
    bot: TeamsHarness,
) -> None:
    """Teams has no #channel: a channel is @mentioned, and the report is about it."""
    bot.fake.set_roster(TEAM, [FACILITATOR, ANN, SILENT])
    await post(bot, ANN)  # the bot learns the forum channel and its team
    [help_card] = await bot.say("help", tenant=TENANT, user=FACILITATOR)
    assert "quiet [@channel] [days]" in help_card.text and "#channel" not in help_card.text

    asked = bot.activity(tenant=TENANT, user=FACILITATOR, text="quiet <at>Forum</at> 30")
    asked["entities"] = [
        {"type": "mention", "text": "<at>Forum</at>", "mentioned": {"id": FORUM, "name": "Forum"}}
    ]
    before = len(bot.fake.sent)
    assert (await bot.post(asked)).status in (200, 202)
    [report] = bot.fake.sent[before:]
    assert report.conversation == personal(FACILITATOR)
    assert "Name a channel" not in report.text and "didn't follow" not in report.text
    # The facilitator asking is left out: ANN spoke, so only SILENT is quiet.
    assert "1 member(s) of **#Forum** have not contributed" in report.text
