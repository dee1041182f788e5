"""Schedules in Teams: a forum set up in a channel posts its prompt there when due, and a
lunch-and-learn takes RSVPs by button with the invite offered as a file. Time is a FakeClock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.teams_harness import FACILITATOR, TeamsHarness, find_action, running_teams
from tests.clock import FakeClock
from tests.fakes.teams_connector import Sent

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
FORUM = "19:forum-channel@thread.tacv2"
LUNCH = "19:lunch-channel@thread.tacv2"
MEMBER = "7a7a7a7a-0000-4000-8000-00000000aaaa"


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=sctx) as harness:
        yield harness


async def tick(ctx: Context, bot: TeamsHarness) -> None:
    """One wake-up of the clock: plan what is due, send it through the runtime's sender."""
    await plan(ctx=ctx, until=ctx.clock(), grace=timedelta(hours=6))
    await bot.runtime.sender.drain()


def personal(user: str) -> str:
    return f"a:personal-29:{user}"


async def test_a_member_cannot_set_up_a_forum(bot: TeamsHarness) -> None:
    _note, answer = await bot.say("forum setup", tenant=TENANT, user=MEMBER, channel=FORUM)
    assert "is for facilitators" in answer.text
    assert not answer.cards or not any(c.get("actions") for c in answer.cards)


async def test_a_forum_set_up_in_a_channel_posts_its_prompt_there(
    bot: TeamsHarness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    _note, form = await bot.say("forum setup", tenant=TENANT, user=FACILITATOR, channel=FORUM)
    assert form.conversation == personal(FACILITATOR)
    [preview] = await bot.press(
        form,
        title="Preview dates",
        tenant=TENANT,
        user=FACILITATOR,
        inputs={
            "name": "Monthly forum",
            "kind": "forum",
            "recurrence": "first Tuesday of the month at 12:30",
            "timezone": "Europe/London",
            "duration": "60",
            "ground_rules": "Be kind.",
        },
    )
    assert "Tue 3 Nov" in preview.text or "3 November" in preview.text, preview.text
    await bot.press(preview, title="Confirm", tenant=TENANT, user=FACILITATOR)
    [listing] = await bot.say("forum list", tenant=TENANT, user=FACILITATOR)
    assert "#Forum" in listing.text  # the channel by the name Teams gave it

    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await tick(sctx, bot)
    [prompt] = [s for s in bot.fake.to(FORUM) if not s.update]
    assert prompt.cards, prompt.text
    assert "Monthly forum" in prompt.text
    # Once more changes nothing: the post is not doubled.
    await tick(sctx, bot)
    assert len([s for s in bot.fake.to(FORUM) if not s.update]) == 1


async def _add_lunch(bot: TeamsHarness, ctx: Context) -> Sent:
    _note, form = await bot.say("lunch add", tenant=TENANT, user=FACILITATOR, channel=LUNCH)
    answers = {
        "title": "Leading across boundaries",
        "topic": ctx.pack.lunch_topics[0].id,
        "date": "2026-11-10",
        "time": "12:30",
        "duration": "45",
        "location": "Room 2, Trust HQ",
        "host": "Dr Example",
        "capacity": "2",
    }
    submit = find_action(form, form.cards[0]["actions"][0]["title"])["title"]
    await bot.press(form, title=submit, tenant=TENANT, user=FACILITATOR, inputs=answers)
    await tick(ctx, bot)
    [announced] = [s for s in bot.fake.to(LUNCH) if not s.update]
    return announced


async def test_lunch_rsvp_by_button_updates_the_announcement_and_offers_the_invite(
    bot: TeamsHarness, sctx: Context
) -> None:
    announcement = await _add_lunch(bot, sctx)
    assert "Going: 0 of 2" in announcement.text
    answers = await bot.press(
        announcement, title="Going", tenant=TENANT, user=MEMBER, channel=LUNCH
    )
    updated = [s for s in bot.fake.to(LUNCH) if s.update]
    assert updated and updated[-1].id == announcement.id
    assert "Going: 1 of 2" in updated[-1].text
    assert not any("personal chat" in s.text for s in answers)  # no note per click
    # The confirmation and the .ics go to the member's own chat, by file consent.
    mine = [s for s in answers if s.conversation == personal(MEMBER)]
    offers = [
        a
        for s in mine
        for a in s.activity.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    ]
    assert [o["name"] for o in offers] == ["session.ics"]
    consent = next(s for s in mine if s.activity.get("attachments") == [offers[0]])

    upload = {
        "contentUrl": "https://contoso.sharepoint.example/session.ics",
        "name": "session.ics",
        "uploadUrl": bot.fake.upload_url("session.ics"),
        "fileType": "ics",
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
    }
    before = len(bot.fake.sent)
    answer = await bot.post(
        bot.activity(
            tenant=TENANT,
            user=MEMBER,
            kind="invoke",
            name="fileConsent/invoke",
            value={
                "type": "fileUpload",
                "action": "accept",
                "context": offers[0]["content"]["acceptContext"],
                "uploadInfo": upload,
            },
            reply_to=consent.id,
        )
    )
    assert answer.status == 200
    event = icalendar.Calendar.from_ical(bot.fake.uploads["session.ics"]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 11, 10, 12, 30, tzinfo=UTC)
    after = bot.fake.sent[before:]
    info = [
        a
        for s in after
        for a in s.activity.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    ]
    assert info and info[0]["content"]["uniqueId"] == upload["uniqueId"]
    assert any(s.update and s.id == consent.id and "Saved session.ics" in s.text for s in after)

    # A week before, the reminder reaches the member's own chat through the outbox.
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    before = len(bot.fake.sent)
    await tick(sctx, bot)
    reminders = [s for s in bot.fake.sent[before:] if "starts in a week" in s.text]
    assert [r.conversation for r in reminders] == [personal(MEMBER)]


async def test_an_rsvp_by_universal_action_shows_the_member_their_own_answer(
    bot: TeamsHarness, sctx: Context
) -> None:
    announcement = await _add_lunch(bot, sctx)
    [shared] = announcement.cards
    assert "userIds" not in shared["refresh"]  # the card names nobody who answered
    before = len(bot.fake.sent)
    mine = await bot.execute(announcement, title="Going", tenant=TENANT, user=MEMBER, channel=LUNCH)
    # The member sees their own answer at once; everyone sees the new count.
    assert mine["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Your answer: Going · Going: 1 of 2" in json.dumps(mine["value"], ensure_ascii=False)
    sent = bot.fake.sent[before:]
    [update] = [s for s in sent if s.update]
    assert update.id == announcement.id and "Your answer" not in update.text
    assert "Going: 1 of 2" in update.text
    # The invite still reaches their personal chat; the thread gets no note.
    assert {s.conversation for s in sent if not s.update} == {personal(MEMBER)}
    theirs = await bot.execute(
        announcement, title=None, tenant=TENANT, user=FACILITATOR, channel=LUNCH
    )
    assert "Your answer" not in json.dumps(theirs["value"])
