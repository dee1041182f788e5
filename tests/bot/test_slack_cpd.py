"""CPD for each regulator in Slack, by signed requests: settings by modal, and exports
a pharmacist and a nurse could hand in, on their regulator's terms and dates."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select, text

from handlers import Actor, Context
from storage.models import CpdSettings, Member
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.clock import FakeClock

WELSH_NAME = "Siân Ŵyn ap Gwŷr"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


async def _cpd_form(bot: Harness, actor: Actor) -> dict[str, Any]:
    return await bot.open_form(text="cpd", team=actor.workspace, user=actor.user, channel="D0")


async def _set_cpd(bot: Harness, actor: Actor, **answers: str) -> None:
    view = await _cpd_form(bot, actor)
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert sent.status == 200 and sent.body == "", sent.body


async def _reflect(
    bot: Harness, actor: Actor, *, template: str, title: str, minutes: int = 60, **written: str
) -> None:
    view = await bot.open_form(
        text=f"reflect {template}", team=actor.workspace, user=actor.user, channel="D0"
    )
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    first = next(block for block in inputs if block != "title")
    answers = {
        "title": title,
        first: "Learning together with the wider team.",
        "cpd_minutes": str(minutes),
        "visibility": "private",
        **written,
    }
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert sent.status == 200 and sent.body == "", sent.body


async def _export(bot: Harness, actor: Actor) -> tuple[str, pypdf.PdfReader]:
    before = len(bot.fake.calls_to("files.completeUploadExternal"))
    await bot.command(text="export", team=actor.workspace, user=actor.user)
    await bot.fake.wait_for("files.completeUploadExternal", count=before + 1)
    [pdf] = [f for f in bot.fake.files[-2:] if f.filename.endswith(".pdf")]
    return pdf.filename, pypdf.PdfReader(io.BytesIO(pdf.content))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def _settings(ctx: Context, actor: Actor) -> CpdSettings | None:
    async with ctx.database.transaction() as session:
        member = await session.scalar(select(Member.id).where(Member.external_id == actor.user))
        return await session.scalar(select(CpdSettings).where(CpdSettings.member_id == member))


async def test_a_pharmacists_export_shows_gphc_records_against_gphc_targets(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    await bot.command(text="profile pharmacist", team=actor.workspace, user=actor.user)
    view = await _cpd_form(bot, actor)
    regulator = next(b for b in view["blocks"] if b.get("block_id") == "regulator")
    assert regulator["element"]["initial_option"]["value"] == "gphc"  # the profession suggests it

    refused = await submit_view(
        bot,
        view=view,
        answers={"regulator": "gphc", "renewal_date": "2027-03-31", "registration_number": "<b>"},
        team=actor.workspace,
        user=actor.user,
    )
    assert set(json.loads(refused.body)["errors"]) == {"registration_number"}
    assert await _settings(ctx, actor) is None

    await _set_cpd(
        bot,
        actor,
        regulator="gphc",
        renewal_date="2027-03-31",
        full_name=WELSH_NAME,
        registration_number="2087654",
    )
    offered = await bot.command(text="reflect", team=actor.workspace, user=actor.user)
    assert "GPhC planned learning" in json.dumps(offered)  # their regulator's own headings
    for template, title in [
        ("gphc-planned", "Deprescribing in frailty"),
        ("gphc-planned", "Anticoagulation update"),
        ("gphc-peer", "Peer discussion with a practice nurse"),
        ("gphc-account", "Standard 1: person-centred care"),
    ]:
        await _reflect(bot, actor, template=template, title=title)

    name, reader = await _export(bot, actor)
    pdf = _text(reader)
    assert "CPD record for the General Pharmaceutical Council (GPhC)" in pdf
    assert f"Name: {WELSH_NAME}" in pdf
    assert "GPhC registration number: 2087654" in pdf
    assert "Covers: 1 April 2026 to 31 March 2027" in pdf
    assert "CPD records: 2 of 4 (2 to go)" in pdf
    assert "Planned learning: 2 of 2 (met)" in pdf
    assert "Peer discussion: 1 of 1 (met)" in pdf
    assert "Reflective account: 1 of 1 (met)" in pdf
    assert "Describe how the peer discussion has changed your practice" in pdf
    assert "35 h" not in pdf and "NMC" not in pdf

    again, _ = await _export(bot, actor)
    assert name.startswith("cpd-gphc-2026-11-03") and again != name  # nothing overwritten

    # The name and number are sealed at rest, like everything else people write.
    async with ctx.database.engine.connect() as conn:
        raw = [tuple(r) for r in await conn.execute(text("SELECT * FROM cpd_settings"))]
    assert raw and WELSH_NAME not in repr(raw) and "2087654" not in repr(raw)


async def test_a_nurses_export_has_the_nmc_log_and_accounts_of_the_three_years_to_revalidation(
    bot: Harness, actor: Actor, clock: FakeClock
) -> None:
    clock.now = datetime(2024, 4, 29, 12, 0, tzinfo=UTC)  # a day before the window opens
    await _reflect(bot, actor, template="nmc", title="Before the window", minutes=600)
    clock.now = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    await _reflect(
        bot,
        actor,
        template="nmc",
        title="Gŵyl dysgu: falls huddle",
        minutes=215,
        participatory=("yes",),
        code_themes=("preserve-safety",),
    )
    await _reflect(bot, actor, template="nmc-feedback", title="Ward manager's feedback", minutes=0)
    await bot.command(
        text="reflect Note: ask about the rota review", team=actor.workspace, user=actor.user
    )
    await _set_cpd(bot, actor, regulator="nmc", renewal_date="2027-04-30")

    _, reader = await _export(bot, actor)
    pdf = _text(reader)
    assert "Revalidation date: 30 April 2027" in pdf
    assert "Covers: 1 May 2024 to 30 April 2027" in pdf
    assert "CPD: 3 h 35 min of 35 h (31 h 25 min to go)" in pdf
    assert "Reflective accounts (NMC form): 1 of 5 (4 to go)" in pdf
    assert "Practice-related feedback: 1 of 5 (4 to go)" in pdf
    log = " ".join(reader.pages[1].extract_text().split())
    assert "CPD log" in log and "Link to the Code" in log and "Preserve safety" in log
    assert "Gŵyl dysgu: falls huddle" in log and "3 h 35 min" in log
    assert "Before the window" not in pdf
    assert "1 reflection(s) from outside these dates" in pdf
    account = reader.pages[2].extract_text()
    assert "Reflective account 1 of 1" in account
    assert "How is this relevant to the Code?" in account
    assert "Quick notes (1)" in pdf and "Note: ask about the rota review" in pdf
    assert f"Page 3 of {len(reader.pages)}" in account
    feedback = reader.pages[3].extract_text()
    assert "NMC practice-related feedback (2 of 2)" in feedback
    assert "How did you use it to improve your practice?" in feedback


async def test_without_settings_the_export_says_what_it_assumed(bot: Harness, actor: Actor) -> None:
    await _reflect(bot, actor, template="what", title="Team huddle")
    _, reader = await _export(bot, actor)
    pdf = _text(reader)
    assert "No regulator set, so this uses the NMC's requirements" in pdf
    assert "No revalidation date set, so this counts back from today" in pdf


async def test_the_home_tab_shows_progress_against_the_members_regulator(
    bot: Harness, actor: Actor
) -> None:
    await _set_cpd(bot, actor, regulator="swe", renewal_date="2026-11-30")
    await _reflect(bot, actor, template="swe", title="Court skills day", peer="A colleague's view")
    event = {"type": "app_home_opened", "user": actor.user, "tab": "home", "channel": "D1"}
    await bot.event(event=event, team=actor.workspace, event_id=uuid.uuid4().hex)
    [call] = await bot.fake.wait_for("views.publish", successful=True)
    home = json.dumps(call.params["view"], ensure_ascii=False)
    assert "Social Work England*, 1 December 2025 to 30 November 2026" in home
    assert "CPD records: 1 of 2 (1 to go)" in home
    assert "With a peer reflection: 1 of 1 (met)" in home
    assert "CPD settings" in home and "No regulator set" not in home


async def test_my_data_and_forget_me_include_the_cpd_settings(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    await _set_cpd(bot, actor, regulator="nmc", renewal_date="2027-04-30", full_name="Sam Jones")
    await bot.command(text="my-data", team=actor.workspace, user=actor.user)
    await bot.fake.wait_for("files.completeUploadExternal")
    [data] = [f for f in bot.fake.files if f.filename.endswith(".json")]
    [held] = json.loads(data.content)["cpd_settings"]
    assert (held["regulator"], held["renewal_date"]) == ("nmc", "2027-04-30")
    assert held["full_name"] == "Sam Jones"
    async with ctx.database.transaction() as session:
        member = await session.scalar(select(Member.id).where(Member.external_id == actor.user))
    assert member is not None
    asked = await bot.command(text="forget-me", team=actor.workspace, user=actor.user)
    button = next(b for b in asked["blocks"] if b["type"] == "actions")["elements"][0]
    done = await bot.click(action_id=button["action_id"], team=actor.workspace, user=actor.user)
    assert "erased everything" in done["text"]
    async with ctx.database.transaction() as session:
        left = await session.scalar(
            select(func.count()).select_from(CpdSettings).where(CpdSettings.member_id == member)
        )
    assert left == 0
