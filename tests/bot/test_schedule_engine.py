"""The scheduling engine with controlled time: on time, once, across restarts and clock changes."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Action, Actor, Context, FieldValue, NotAllowed, handle_action, handle_text
from handlers.core.context import no_roles
from handlers.outbox.planner import plan
from storage import Database
from storage.models import OutboxMessage
from tests.clock import FakeClock
from tests.fakes.poster import Crash, RecordingPoster

GRACE = timedelta(hours=6)


async def facilitator_roles(actor: Actor) -> frozenset[str]:
    return frozenset({"facilitator"})


@pytest.fixture
def fctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    """A facilitator's context on a database of its own (planning spans workspaces)."""
    return Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)


@pytest.fixture
def mctx(fctx: Context) -> Context:
    """The same, for someone who is not a facilitator."""
    return dataclasses.replace(fctx, resolve_roles=no_roles)


@pytest.fixture
def lead(actor: Actor) -> Actor:
    return dataclasses.replace(actor, channel="C0FORUM")


async def setup_forum(
    ctx: Context,
    actor: Actor,
    *,
    when: str,
    name: str = "Place leads forum",
    kind: str = "forum",
    rules: str = "",
) -> str:
    """Fill in and confirm the setup form; returns the preview text shown before confirming."""
    opened = await handle_text(ctx=ctx, actor=actor, text="forum setup")
    assert opened.form is not None
    values: dict[str, FieldValue] = {
        "name": name,
        "kind": kind,
        "recurrence": when,
        "timezone": "Europe/London",
        "duration": "60",
        "ground_rules": rules,
    }
    preview = await handle_action(
        ctx=ctx,
        actor=actor,
        action=Action(
            action_id="forum.save", value=opened.form.state, values=MappingProxyType(values)
        ),
    )
    confirm = next(b for b in preview.sections[0].buttons if b.label == "Confirm")
    await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=confirm.action_id, value=confirm.value)
    )
    return preview.sections[0].text


async def run(ctx: Context, poster: RecordingPoster) -> None:
    """One wake-up of the clock at the context's current time."""
    await plan(ctx=ctx, until=ctx.clock(), grace=GRACE)
    await OutboxSender(ctx=ctx, poster=poster).drain()


async def test_a_member_is_refused_forum_setup_kindly(mctx: Context, lead: Actor) -> None:
    with pytest.raises(NotAllowed, match="for facilitators"):
        await handle_text(ctx=mctx, actor=lead, text="forum setup")


async def test_setup_shows_the_next_three_local_dates(fctx: Context, lead: Actor) -> None:
    assert isinstance(fctx.clock, FakeClock)
    fctx.clock.now = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    preview = await setup_forum(fctx, lead, when="first Tuesday of the month at 12:30")
    assert "Tue 6 Oct 2026, 12:30 BST" in preview
    assert "Tue 3 Nov 2026, 12:30 GMT" in preview
    assert "Tue 1 Dec 2026, 12:30 GMT" in preview


async def test_a_forum_posts_on_time_once_and_rotates_principles(
    fctx: Context, lead: Actor
) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    await setup_forum(
        fctx,
        lead,
        when="first Tuesday of the month at 12:30",
        rules="Be kind. What is said here stays here.",
    )
    poster = RecordingPoster()
    await run(fctx, poster)
    assert poster.to("C0FORUM") == []
    clock.now = datetime(2026, 11, 3, 12, 29, tzinfo=UTC)
    await run(fctx, poster)
    assert poster.to("C0FORUM") == []
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await run(fctx, poster)
    await run(fctx, poster)  # a second wake-up in the same minute adds nothing
    [first] = poster.to("C0FORUM")
    assert first.pin and "Ground rules" in str(first.reply.sections)
    clock.now = datetime(2026, 12, 1, 12, 31, tzinfo=UTC)
    await run(fctx, poster)
    second = poster.to("C0FORUM")[1]
    assert not second.pin
    assert first.reply.sections[0].note != second.reply.sections[0].note  # next principle


async def test_a_post_due_while_down_comes_once_after_restart(
    fctx: Context, lead: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await setup_forum(fctx, lead, when="first Tuesday of the month at 12:30")
    before = RecordingPoster()
    await run(fctx, before)
    # Down from Monday morning until Tuesday 14:00: due at 12:30, within the grace window.
    clock.now = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    after = RecordingPoster()
    restarted = dataclasses.replace(fctx)
    await run(restarted, after)
    await run(restarted, after)
    assert len(after.to("C0FORUM")) == 1
    # Down for a whole month's post and more than the grace window: skipped, and said so.
    clock.now = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    caplog.set_level(logging.WARNING)
    late = RecordingPoster()
    await run(restarted, late)
    assert late.to("C0FORUM") == []
    assert "skipped forum:" in caplog.text


async def test_autumn_clock_change_does_not_double_a_post(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    await setup_forum(fctx, lead, when="every day at 01:30")
    poster = RecordingPoster()
    await run(fctx, poster)
    while clock.now < datetime(2026, 10, 27, 12, 0, tzinfo=UTC):
        clock.advance(timedelta(minutes=15))
        await run(fctx, poster)
    days = [p.reply.text for p in poster.to("C0FORUM")]
    assert len(days) == 4  # 24th, 25th (the long night), 26th, 27th: one each


async def test_spring_clock_change_does_not_lose_a_post(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)
    await setup_forum(fctx, lead, when="every day at 01:30")
    poster = RecordingPoster()
    await run(fctx, poster)
    sent_at = []
    while clock.now < datetime(2027, 3, 29, 12, 0, tzinfo=UTC):
        clock.advance(timedelta(minutes=15))
        before = len(poster.posts)
        await run(fctx, poster)
        if len(poster.posts) > before:
            sent_at.append(clock.now)
    # 27th 01:30 GMT, 28th 01:30 does not exist (posted at 02:30 BST = 01:30 UTC), 29th.
    assert sent_at == [
        datetime(2027, 3, 27, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 29, 0, 30, tzinfo=UTC),
    ]


async def test_a_restart_mid_fan_out_loses_and_doubles_nothing(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    channels = [f"C{n:04d}" for n in range(30)]
    for channel in channels:
        await setup_forum(
            fctx,
            dataclasses.replace(lead, channel=channel),
            when="first Tuesday of the month at 12:30",
        )
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    crashing = RecordingPoster(crash_after=12)
    await plan(ctx=fctx, until=clock.now, grace=GRACE)
    with pytest.raises(Crash):
        await OutboxSender(ctx=fctx, poster=crashing, concurrency=1).drain()
    # The new process waits out the dead one's lease, then finishes the job.
    clock.advance(timedelta(minutes=6))
    resumed = RecordingPoster()
    await run(fctx, resumed)
    delivered = [p.target for p in crashing.posts + resumed.posts]
    assert sorted(delivered) == channels


async def test_failures_are_retried_with_back_off_then_sent(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    await setup_forum(fctx, lead, when="first Tuesday of the month at 12:30")
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    poster = RecordingPoster(fail_targets={"C0FORUM": "ratelimited"})
    await run(fctx, poster)
    await run(fctx, poster)  # too soon: still backing off
    assert poster.posts == []
    poster.fail_targets.clear()
    clock.advance(timedelta(seconds=31))
    await run(fctx, poster)
    assert len(poster.to("C0FORUM")) == 1


async def test_journal_club_offers_a_resource_and_books_a_place(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    await setup_forum(
        fctx,
        lead,
        when="last Thursday of the month at 12:30",
        name="Journal club",
        kind="journal_club",
    )
    clock.now = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    poster = RecordingPoster()
    await run(fctx, poster)
    [post] = poster.to("C0FORUM")
    prompt = post.reply.sections[0]
    resources = [r.name for r in fctx.pack.resources_in(category="books-podcasts-webinars")]
    assert any(name in prompt.text for name in resources)
    book = prompt.buttons[0]
    assert book.label == "Book your place"
    for user in ("UA", "UB"):
        member = dataclasses.replace(lead, user=user)
        booked = await handle_action(
            ctx=fctx, actor=member, action=Action(action_id=book.action_id, value=book.value)
        )
        assert booked.text.startswith("You're going to Journal club")
        assert booked.attachments[0].filename == "session.ics"
    listing = await handle_text(ctx=fctx, actor=lead, text="lunch list")
    assert "Going: 2" in str(listing.sections)


async def test_quiet_hours_hold_a_reminder_until_they_end(fctx: Context, lead: Actor) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    opened = await handle_text(ctx=fctx, actor=lead, text="lunch add")
    assert opened.form is not None
    values: dict[str, FieldValue] = {
        "title": "Evening session",
        "topic": fctx.pack.lunch_topics[0].id,
        "date": "2026-11-11",
        "time": "20:00",
        "duration": "45",
        "location": "Online",
        "host": "Sam",
    }
    await handle_action(
        ctx=fctx,
        actor=lead,
        action=Action(
            action_id="lunch.save", value=opened.form.state, values=MappingProxyType(values)
        ),
    )
    member = dataclasses.replace(lead, user="UQUIET")
    await handle_text(ctx=fctx, actor=member, text="quiet 19:00-08:00")
    poster = RecordingPoster()
    await run(fctx, poster)  # the announcement
    announcement = poster.to("C0FORUM")[0]
    going = announcement.reply.sections[0].buttons[0]
    await handle_action(
        ctx=fctx, actor=member, action=Action(action_id=going.action_id, value=going.value)
    )
    clock.now = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)  # a day before, inside quiet hours
    await run(fctx, poster)
    assert poster.to("UQUIET") == []
    clock.now = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)
    await run(fctx, poster)
    [reminder] = poster.to("UQUIET")
    assert "starts today" in reminder.reply.text and reminder.direct


@dataclasses.dataclass
class OverlapPoster(RecordingPoster):
    """Notes how many posts to one channel were in flight at once. The first post to
    CBUSY is slow: it returns only once ten other posts have started, by which time
    the sender has claimed two more batches, CBUSY's next prompt among them."""

    in_flight: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    most_at_once: int = 0
    others: int = 0
    others_started: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    slowed: bool = False

    async def post(self, *, target: str, **kwargs: Any) -> str | None:
        self.in_flight[target] += 1
        self.most_at_once = max(self.most_at_once, self.in_flight[target])
        if target == "CBUSY" and not self.slowed:
            self.slowed = True
            await self.others_started.wait()
        elif target != "CBUSY":
            self.others += 1
            if self.others >= 10:
                self.others_started.set()
        await asyncio.sleep(0)
        self.in_flight[target] -= 1
        return await super().post(target=target, **kwargs)


async def test_a_channel_gets_one_post_at_a_time_in_order_across_batches(
    fctx: Context, lead: Actor
) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    await setup_forum(fctx, dataclasses.replace(lead, channel="CBUSY"), when="every day at 12:30")
    for n in range(6):
        await setup_forum(
            fctx, dataclasses.replace(lead, channel=f"CQUIET{n}"), when="every day at 12:30"
        )
    clock.now = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)
    await plan(ctx=fctx, until=clock.now, grace=GRACE)
    clock.now = datetime(2026, 11, 6, 12, 30, tzinfo=UTC)
    # Six days of CBUSY's prompts and the others' are due together; small batches
    # make the sender claim the next rows while earlier ones are still going out.
    await plan(ctx=fctx, until=clock.now, grace=timedelta(days=7))
    poster = OverlapPoster()
    await OutboxSender(ctx=fctx, poster=poster, batch=4, concurrency=8).drain()
    assert poster.most_at_once == 1
    busy = [p.reply.text for p in poster.to("CBUSY")]
    forum_posts = [p for p in poster.posts if p.target.startswith("C")]  # not the digest DM
    assert len(busy) == 6 and len(forum_posts) == 42
    async with fctx.database.transaction() as session:
        order = (
            await session.scalars(
                select(OutboxMessage.sent_ref)
                .where(OutboxMessage.target == "CBUSY")
                .order_by(OutboxMessage.due_at)
            )
        ).all()
    # Refs count up in posting order, so due order is posting order.
    assert order == sorted(order, key=lambda ref: float(ref or 0))
