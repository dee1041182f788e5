"""Who isn't in the room, through Slack: signed commands and modals in, a PNG chart out by DM."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_schedules import set_up_forums, texts, tick
from tests.clock import FakeClock
from tests.fakes.slack_web_api import UploadedFile
from tests.handlers.room_people import PEOPLE, seed_room

PNG = b"\x89PNG\r\n\x1a\n"
FACILITATOR = "UFACILITATOR"
ROOM = "C0ROOM"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


def charts_in_dm(bot: Harness, user: str) -> list[UploadedFile]:
    return [
        f
        for f in bot.fake.files
        if f.channel_id == bot.fake.dm_channel_id(user) and f.filename.startswith("room-")
    ]


def dm_texts(bot: Harness, user: str) -> list[str]:
    return [
        texts(c.params)
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.params["channel"] in (user, bot.fake.dm_channel_id(user))
    ]


def width(chart: UploadedFile) -> int:
    assert chart.content.startswith(PNG)
    with Image.open(io.BytesIO(chart.content)) as picture:
        assert picture.format == "PNG"
        return picture.width


async def test_members_set_professions_and_the_facilitator_gets_the_chart_by_dm(
    bot: Harness, ctx: Context, team: str
) -> None:
    await seed_room(ctx, team=team, channel=ROOM, set_profiles=False)
    for user, (profession, _) in PEOPLE.items():
        if profession and user != "UGP1":
            answer = await bot.command(text=f"profile {profession}", team=team, user=user)
            assert answer["text"].startswith("Saved: your profession is")
    view = await bot.open_form(text="profile", team=team, user="UGP1", channel=ROOM)
    [select] = [b["element"] for b in view["blocks"] if b["type"] == "input"]
    assert {"text": {"type": "plain_text", "text": "GPs"}, "value": "gps"} in [
        {"text": {"type": o["text"]["type"], "text": o["text"]["text"]}, "value": o["value"]}
        for o in select["options"]
    ]
    sent = await submit_view(bot, view=view, answers={"profession": "gps"}, team=team, user="UGP1")
    assert sent.status == 200 and sent.body == "", sent.body

    answer = await bot.command(text="room", team=team, user=FACILITATOR, channel=ROOM)
    assert answer["text"] == "Sent to our direct messages."
    await bot.fake.wait_for("files.completeUploadExternal")
    [chart] = charts_in_dm(bot, FACILITATOR)
    assert chart.filename.endswith(".png") and width(chart) > 400
    [report] = [t for t in dm_texts(bot, FACILITATOR) if "Who's in the room" in t]
    assert "3 of 6 people in <#C0ROOM> contributed" in report
    assert "Not heard from in the last 30 days:* Pharmacists" in report
    assert "Not in the room:*" in report and "Social care" in report
    assert "GPs: 1 in the channel, 1 contributed" in report  # the modal's choice counted


async def test_a_midwife_and_a_paramedic_set_their_profession_by_typing_their_role(
    bot: Harness, team: str
) -> None:
    midwife = await bot.command(text="profile midwife", team=team, user="UMIDWIFE")
    assert midwife["text"].startswith("Saved: your profession is Midwives")
    paramedic = await bot.command(text="profile paramedic", team=team, user="UPARAMEDIC")
    assert paramedic["text"].startswith(
        "Saved: your profession is Allied health professionals (AHPs)"
    )


async def test_a_member_asking_for_the_room_is_refused_and_sent_nothing(
    bot: Harness, ctx: Context, team: str
) -> None:
    await seed_room(ctx, team=team, channel=ROOM)
    answer = await bot.command(text="room", team=team, user="UNURSE1", channel=ROOM)
    assert "`/ccpl room` is for facilitators" in answer["text"]
    assert bot.fake.files == []
    assert dm_texts(bot, "UNURSE1") == []


async def test_the_monthly_digest_arrives_by_dm_with_the_chart(sctx: Context) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    async with running_bot(ctx=sctx) as bot:
        bot.fake.set_user("UHOST", is_admin=True)
        await set_up_forums(bot, rules_by_channel={ROOM: ""})
        clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        await seed_room(sctx, team="TSCHED", channel=ROOM)
        clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        await tick(sctx, bot)
        await tick(sctx, bot)  # a second wake-up sends nothing more
        [digest] = [t for t in dm_texts(bot, "UHOST") if "Facilitator digest" in t]
        assert "December 2026" in digest and "Not heard from" in digest
        [chart] = charts_in_dm(bot, "UHOST")
        assert width(chart) > 400
        uploads: list[dict[str, Any]] = [
            c.params for c in bot.fake.calls_to("files.completeUploadExternal", successful=True)
        ]
        assert len(uploads) == 1
