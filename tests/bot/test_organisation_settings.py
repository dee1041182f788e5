"""`/ccpl settings`: each organisation's admins set its own time zone and admins, audited,
without touching any other organisation with the same people in it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.teams_harness import FACILITATOR, running_teams
from tests.clock import FakeClock

HOST = "UHOST"  # a Slack admin in both workspaces
MEMBER = "UMEMBER"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        harness.fake.set_user(MEMBER)
        yield harness


def team() -> str:
    return "T" + uuid.uuid4().hex[:8].upper()


def said(answer: dict[str, object]) -> str:
    return json.dumps(answer)


async def test_a_time_zone_set_by_one_organisation_is_its_own(bot: Harness, ctx: Context) -> None:
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # already 2 November in Auckland
    here, there = team(), team()
    changed = await bot.command(text="settings timezone Pacific/Auckland", team=here, user=HOST)
    assert "now in Pacific/Auckland" in changed["text"]
    for org in (here, there):
        await bot.command(text="reflect Asked the night team first", team=org, user=MEMBER)
    assert "2 November 2026" in said(await bot.command(text="reflections", team=here, user=MEMBER))
    assert "1 November 2026" in said(await bot.command(text="reflections", team=there, user=MEMBER))
    assert "Europe/London" in said(await bot.command(text="settings", team=there, user=HOST))
    assert "settings.timezone" in said(await bot.command(text="audit", team=here, user=HOST))
    assert "settings.timezone" not in said(await bot.command(text="audit", team=there, user=HOST))


async def test_only_admins_change_settings_and_a_bad_zone_is_kindly_refused(
    bot: Harness,
) -> None:
    org = team()
    refused = await bot.command(text="settings timezone Europe/Dublin", team=org, user=MEMBER)
    assert "is for workspace admins" in refused["text"]
    wrong = await bot.command(text="settings timezone Mars/Olympus_Mons", team=org, user=HOST)
    assert "not a time zone I know" in said(wrong) and "Mars/Olympus" in said(wrong)
    assert "Europe/London" in said(await bot.command(text="settings", team=org, user=HOST))


async def test_an_admin_named_in_one_organisation_is_not_one_in_another(bot: Harness) -> None:
    here, there = team(), team()
    named = await bot.command(text=f"settings admins add <@{MEMBER}>", team=here, user=HOST)
    assert "can now change this organisation's settings" in named["text"]
    shown = await bot.command(text="settings", team=here, user=MEMBER)
    assert f"<@{MEMBER}>" in said(shown)
    elsewhere = await bot.command(text="settings", team=there, user=MEMBER)
    assert "is for workspace admins" in elsewhere["text"]
    await bot.command(text=f"settings admins remove <@{MEMBER}>", team=here, user=HOST)
    again = await bot.command(text="settings", team=here, user=MEMBER)
    assert "is for workspace admins" in again["text"]


async def test_the_home_tab_shows_admins_their_organisation(bot: Harness) -> None:
    org = team()
    await bot.command(text="settings timezone Europe/Dublin", team=org, user=HOST)
    before = len(bot.fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": HOST, "tab": "home", "channel": "D1"}
    await bot.event(event=event, team=org, event_id=uuid.uuid4().hex)
    calls = await bot.fake.wait_for("views.publish", count=before + 1, successful=True)
    assert "This organisation" in json.dumps(calls[-1].params["view"])
    assert "Europe/Dublin" in json.dumps(calls[-1].params["view"])


async def test_settings_in_teams_are_per_tenant(ctx: Context) -> None:
    tenant, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with running_teams(ctx=ctx, environ={"CCPL_ADMINS": FACILITATOR}) as teams:
        changed = await teams.say(
            "settings timezone Europe/Dublin", tenant=tenant, user=FACILITATOR
        )
        assert "Europe/Dublin" in json.dumps([s.activity for s in changed])
        shown = await teams.say("settings", tenant=other, user=FACILITATOR)
        assert "Europe/London" in json.dumps([s.activity for s in shown])


LESSON = """\
- id: night-team-first
  title: Starting without the night team
  text: We planned the change with day staff only, and had to start again.
  source: practical-guide
"""
BROKEN = """\
- id: night-team-first
  title: Starting without the night team
  source: practical-guide
- id: rota-too-late
  title: Sharing the rota too late
  text: People heard about the change after it was decided.
  source: no-such-source
"""


async def test_an_organisations_own_content_is_checked_and_shown_only_there(
    bot: Harness,
) -> None:
    here, there = team(), team()
    view = await bot.open_form(text="settings content", team=here, user=HOST, channel="C1")
    refused = await submit_view(
        bot, view=view, answers={"file": "lessons.yaml", "yaml": BROKEN}, team=here, user=HOST
    )
    errors = json.loads(refused.body)["errors"]["yaml"]
    # Every problem at once, each with its file and line, as `content validate` says them.
    assert "lessons.yaml:1: missing required field 'text'" in errors, errors
    assert "lessons.yaml:7: source: unknown source id 'no-such-source'" in errors, errors
    assert "night team" not in said(await bot.command(text="lessons", team=here, user=MEMBER))

    view = await bot.open_form(text="settings content", team=here, user=HOST, channel="C1")
    saved = await submit_view(
        bot, view=view, answers={"file": "lessons.yaml", "yaml": LESSON}, team=here, user=HOST
    )
    assert saved.status == 200 and saved.body == "", saved.body
    assert "Starting without the night team" in said(
        await bot.command(text="lessons", team=here, user=MEMBER)
    )
    assert "night team" not in said(await bot.command(text="lessons", team=there, user=MEMBER))
    assert "lessons.yaml" in said(await bot.command(text="settings", team=here, user=HOST))
    assert "settings.content" in said(await bot.command(text="audit", team=here, user=HOST))

    view = await bot.open_form(text="settings content", team=here, user=HOST, channel="C1")
    await submit_view(
        bot, view=view, answers={"file": "lessons.yaml", "yaml": ""}, team=here, user=HOST
    )
    assert "night team" not in said(await bot.command(text="lessons", team=here, user=MEMBER))


async def test_own_content_by_card_in_teams(ctx: Context) -> None:
    tenant, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with running_teams(ctx=ctx, environ={"CCPL_ADMINS": FACILITATOR}) as teams:
        [form] = await teams.say("settings content", tenant=tenant, user=FACILITATOR)
        [refused] = await teams.press(
            form,
            title="Save",
            tenant=tenant,
            user=FACILITATOR,
            inputs={"file": "lessons.yaml", "yaml": BROKEN},
        )
        assert "lessons.yaml:1" in json.dumps(refused.activity)
        [saved] = await teams.press(
            refused,
            title="Save",
            tenant=tenant,
            user=FACILITATOR,
            inputs={"file": "lessons.yaml", "yaml": LESSON},
        )
        assert "Saved your own lessons.yaml" in saved.text
        here = await teams.say("lessons", tenant=tenant, user=FACILITATOR)
        there = await teams.say("lessons", tenant=other, user=FACILITATOR)
        assert "night team" in json.dumps([s.activity for s in here])
        assert "night team" not in json.dumps([s.activity for s in there])
