"""Who isn't in the room: members' professions, the facilitator's report and monthly digest."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from PIL import Image

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import (
    Action,
    Actor,
    Context,
    Delivery,
    FieldValue,
    Invalid,
    NotAllowed,
    Platform,
    Reply,
    handle_action,
    handle_text,
)
from handlers.outbox.planner import plan
from storage import Database
from storage.people import member_data
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster
from tests.handlers.room_people import seed_room

PNG = b"\x89PNG\r\n\x1a\n"
ROOM = "C0ROOM"
GRACE = timedelta(hours=6)


async def facilitator_roles(actor: Actor) -> frozenset[str]:
    return frozenset({"facilitator"}) if actor.user == "UFAC" else frozenset()


@pytest.fixture
def fctx(ctx: Context) -> Context:
    return dataclasses.replace(ctx, resolve_roles=facilitator_roles)


@pytest.fixture
def lead(team: str) -> Actor:
    return Actor(platform=Platform.SLACK, workspace=team, user="UFAC", channel=ROOM)


def image(reply: Reply) -> Image.Image:
    [chart] = reply.attachments
    assert chart.filename.endswith(".png") and chart.content.startswith(PNG)
    return Image.open(io.BytesIO(chart.content))


async def my_profession(ctx: Context, actor: Actor) -> str | None:
    async with ctx.acting(actor) as (session, scope):
        data = await member_data(session, scope=scope)
    found: str | None = data["member"]["profession"]
    return found


async def test_profile_set_by_forgiving_name_and_cleared(ctx: Context, actor: Actor) -> None:
    saved = await handle_text(ctx=ctx, actor=actor, text="profile gp")
    assert "GPs" in saved.text
    assert await my_profession(ctx, actor) == "gps"
    for typed, expected in (
        ("Allied health", "allied-health-professionals"),
        ("AHP", "allied-health-professionals"),
        ("pharmacist", "pharmacists"),
        ("psycologists", "psychologists"),  # a typo
        ("social-care", "social-care"),
    ):
        await handle_text(ctx=ctx, actor=actor, text=f"profile {typed}")
        assert await my_profession(ctx, actor) == expected, typed
    cleared = await handle_text(ctx=ctx, actor=actor, text="profile clear")
    assert "cleared" in cleared.text
    assert await my_profession(ctx, actor) is None


ROLES_PEOPLE_TYPE = (
    ("midwife", "midwives", "Midwives"),
    ("paramedic", "allied-health-professionals", "Allied health professionals"),
    ("physiotherapist", "allied-health-professionals", "Allied health professionals"),
    ("Occupational therapist", "allied-health-professionals", "Allied health"),
    ("speech and language therapist", "allied-health-professionals", "Allied health"),
    ("dietitian", "allied-health-professionals", "Allied health"),
    ("radiographer", "allied-health-professionals", "Allied health"),
    ("podiatrist", "allied-health-professionals", "Allied health"),
    ("orthoptist", "allied-health-professionals", "Allied health"),
    ("doctor", "secondary-care-clinicians", "Secondary care clinicians"),
    ("consultant", "secondary-care-clinicians", "Secondary care clinicians"),
    ("registrar", "secondary-care-clinicians", "Secondary care clinicians"),
    ("hospital doctor", "secondary-care-clinicians", "Secondary care clinicians"),
    ("GP", "gps", "GPs"),
    ("dentist", "primary-care-clinicians", "Primary care clinicians"),
    ("social worker", "social-care", "Social care"),
    ("nursing associate", "nurses", "Nurses"),
    ("pharmacy technician", "pharmacists", "Pharmacists"),
)


async def test_the_roles_people_type_find_their_profession(ctx: Context, actor: Actor) -> None:
    for typed, expected, named in ROLES_PEOPLE_TYPE:
        saved = await handle_text(ctx=ctx, actor=actor, text=f"profile {typed}")
        assert named in saved.text, typed
        assert await my_profession(ctx, actor) == expected, typed


async def test_an_unknown_or_vague_profession_is_explained(ctx: Context, actor: Actor) -> None:
    with pytest.raises(Invalid, match="I don't know the profession “astronaut”") as unknown:
        await handle_text(ctx=ctx, actor=actor, text="profile astronaut")
    assert "Nurses" in unknown.value.message and "/ccpl profile" in unknown.value.message
    with pytest.raises(Invalid, match="could be") as vague:
        await handle_text(ctx=ctx, actor=actor, text="profile care")
    assert "Social care" in vague.value.message
    assert await my_profession(ctx, actor) is None


async def test_the_profile_form_lists_the_pack_and_saves_a_choice(
    ctx: Context, actor: Actor, pack: ContentPack
) -> None:
    await handle_text(ctx=ctx, actor=actor, text="profession nurses")
    opened = await handle_text(ctx=ctx, actor=actor, text="profile")
    assert opened.form is not None
    [field] = opened.form.fields
    assert [o.value for o in field.options][:-1] == [p.id for p in pack.professions]
    assert field.initial == "nurses"  # the current choice, pre-filled

    def submit(value: str) -> Action:
        values: dict[str, FieldValue] = {"profession": value}
        assert opened.form is not None
        return Action(action_id=opened.form.form_id, values=MappingProxyType(values))

    saved = await handle_action(ctx=ctx, actor=actor, action=submit("public-health"))
    assert "Public health" in saved.text
    assert await my_profession(ctx, actor) == "public-health"
    await handle_action(ctx=ctx, actor=actor, action=submit("none"))
    assert await my_profession(ctx, actor) is None
    with pytest.raises(Invalid) as refused:
        await handle_action(ctx=ctx, actor=actor, action=submit("astronauts"))
    assert "profession" in refused.value.errors


async def test_room_shows_who_is_heard_and_who_is_missing(
    fctx: Context, lead: Actor, team: str
) -> None:
    await seed_room(fctx, team=team, channel=ROOM)
    reply = await handle_text(ctx=fctx, actor=lead, text="room")
    assert reply.delivery is Delivery.DM  # only the facilitator sees it
    assert reply.text.startswith("3 of 6 people in <#C0ROOM> contributed in the last 30 days")
    body = reply.sections[0].text
    assert "• Nurses: 2 in the channel, 1 contributed" in body
    assert "• GPs: 1 in the channel, 1 contributed" in body
    assert "• Pharmacists: 2 in the channel, 0 contributed" in body
    assert "• Not set: 1 in the channel, 1 contributed" in body
    assert "**Not heard from in the last 30 days:** Pharmacists" in body
    missing = body.split("**Not in the room:** ")[1].split("\n")[0]
    assert "Social care" in missing and "Psychologists" in missing
    assert "Nurses" not in missing and "Pharmacists" not in missing
    assert "1 of 6 people has not set a profession" in body
    chart = image(reply)
    assert chart.format == "PNG" and chart.width > 400 and chart.height > 300


async def test_room_counts_only_the_window_asked_for(fctx: Context, lead: Actor, team: str) -> None:
    clock = fctx.clock
    assert isinstance(clock, FakeClock)
    start = clock.now
    clock.now = start - timedelta(days=40)
    await seed_room(fctx, team=team, channel="C0WINDOW", people={"UPHARM9": ("pharmacists", True)})
    clock.now = start
    await seed_room(fctx, team=team, channel="C0WINDOW", people={"UPHARM9": (None, False)})
    named = dataclasses.replace(lead, channel="C0ELSEWHERE")
    month = await handle_text(ctx=fctx, actor=named, text="room <#C0WINDOW|leads> 30")
    assert "Not heard from: Pharmacists" in month.text
    assert month.attachments[0].title.startswith("Who's in the room: #leads")
    longer = await handle_text(ctx=fctx, actor=named, text="room 60 days <#C0WINDOW|leads>")
    assert "1 of 1 people" in longer.text and "Not heard from" not in longer.text


async def test_an_empty_channel_gets_a_kind_answer(fctx: Context, lead: Actor) -> None:
    reply = await handle_text(ctx=fctx, actor=lead, text="room <#C0EMPTY|empty>")
    assert "I don't know of anyone in <#C0EMPTY> yet" in reply.text
    assert reply.attachments == ()


async def test_a_member_is_refused_the_room_report(ctx: Context, team: str) -> None:
    member = Actor(platform=Platform.SLACK, workspace=team, user="UMEMBER", channel=ROOM)
    await seed_room(ctx, team=team, channel=ROOM)
    with pytest.raises(NotAllowed, match="`/ccpl room` is for facilitators"):
        await handle_text(ctx=ctx, actor=member, text="room")


@pytest.fixture
def dctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    """A database of its own: planning spans workspaces."""
    clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return Context(pack=pack, database=own_database, clock=clock, resolve_roles=facilitator_roles)


async def set_up_forum(ctx: Context, actor: Actor) -> None:
    opened = await handle_text(ctx=ctx, actor=actor, text="forum setup")
    assert opened.form is not None
    values: dict[str, FieldValue] = {
        "name": "Place leads forum",
        "kind": "forum",
        "recurrence": "first Tuesday of the month at 12:30",
        "timezone": "Europe/London",
        "duration": "60",
        "ground_rules": "",
    }
    preview = await handle_action(
        ctx=ctx,
        actor=actor,
        action=Action(
            action_id=opened.form.form_id, value=opened.form.state, values=MappingProxyType(values)
        ),
    )
    confirm = next(b for b in preview.sections[0].buttons if b.label == "Confirm")
    await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=confirm.action_id, value=confirm.value)
    )


async def test_the_monthly_digest_reaches_each_facilitator_once_with_the_chart(
    dctx: Context, lead: Actor, team: str
) -> None:
    clock = dctx.clock
    assert isinstance(clock, FakeClock)
    await set_up_forum(dctx, lead)
    await seed_room(dctx, team=team, channel=ROOM)
    poster = RecordingPoster()

    async def run(at: datetime) -> None:
        clock.now = at
        await plan(ctx=dctx, until=at, grace=GRACE)
        await OutboxSender(ctx=dctx, poster=poster).drain()

    await run(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
    assert poster.to("UFAC") == []
    await run(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # 09:00 in London
    await run(datetime(2026, 12, 1, 9, 1, tzinfo=UTC))
    [digest] = poster.to("UFAC")
    assert digest.direct and digest.reply.delivery is Delivery.DM
    assert "Facilitator digest for December 2026" in digest.reply.text
    body = "\n".join(s.text for s in digest.reply.sections)
    assert "<#C0ROOM>: 3 of 6 people contributed. 3 quiet" in body
    assert "**Not heard from in the last 30 days:** Pharmacists" in body
    assert "**Not in the room:** " in body
    assert image(digest.reply).width > 400
    # Members get no digest; the next one comes a month later, again once.
    assert {p.target for p in poster.posts} <= {"UFAC", ROOM}
    await run(datetime(2026, 12, 31, 9, 0, tzinfo=UTC))
    assert len(poster.to("UFAC")) == 1
    await run(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    await run(datetime(2027, 1, 1, 9, 5, tzinfo=UTC))
    assert len(poster.to("UFAC")) == 2
    assert "January 2027" in poster.to("UFAC")[1].reply.text


async def test_no_digest_without_a_forum_or_for_a_paused_facilitator(
    dctx: Context, lead: Actor, team: str
) -> None:
    clock = dctx.clock
    assert isinstance(clock, FakeClock)
    await handle_text(ctx=dctx, actor=lead, text="room")  # a facilitator, but no forum yet
    poster = RecordingPoster()
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    await plan(ctx=dctx, until=clock.now, grace=GRACE)
    await OutboxSender(ctx=dctx, poster=poster).drain()
    assert poster.posts == []
    await set_up_forum(dctx, lead)
    await handle_text(ctx=dctx, actor=lead, text="pause 2 months")
    clock.now = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    await plan(ctx=dctx, until=clock.now, grace=GRACE)
    await OutboxSender(ctx=dctx, poster=poster).drain()
    assert poster.to("UFAC") == []
