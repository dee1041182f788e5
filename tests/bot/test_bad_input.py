"""Bad input never gets a server error, a traceback or silence, and replays run once."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url

from bot.outage import UNAVAILABLE
from content import ContentPack
from handlers import Actor, Context
from storage import Database, upgrade
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.teams_harness import running_teams
from tests.clock import FakeClock
from tests.fakes.postgres import drop_database, fresh_database, postgres_url_or_skip
from tests.fakes.stalling_proxy import StallingProxy

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Records that carry an exception, or are errors: what a person's input must never cause."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]


async def test_a_timestamp_that_is_not_a_number_is_refused_with_401(
    bot: Harness, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    body = bot.command_body(text="tip", team=actor.workspace, user=actor.user, key="never")
    sent = await bot.post(
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "soon"},
        signature="v0=" + "0" * 64,
        secret=None,
    )
    assert sent.status == 401
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    "text",
    [
        "reflections 99999999999999999999",
        "reflections ²",
        "reflection ²",
        "reflection 99999999999999999999",
        "reflections \x00",
        "tip \x00",
        "lunch going ²",
        "poll close ²",
        "poll close 99999999999999999999",
        "quiet 25:99-²",
        "forum next ²",
        "export \x00\x00",
    ],
)
async def test_odd_numbers_and_nul_bytes_get_a_clear_answer(
    bot: Harness, actor: Actor, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    answer = await bot.command(text=text, team=actor.workspace, user=actor.user)
    assert answer["text"]
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("body", ["array", "no type", "type not a string", "not an object"])
async def test_a_teams_body_that_is_not_an_activity_is_a_400(
    ctx: Context, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_teams(ctx=ctx) as teams:
        activity = teams.activity(tenant="tenant-" + uuid.uuid4().hex, user="u1", text="tip")
        sent: Any = {
            "array": [activity],
            "no type": {k: v for k, v in activity.items() if k != "type"},
            "type not a string": {**activity, "type": ["message"]},
            "not an object": "message",
        }[body]
        answer = await teams.post(sent)
    assert answer.status == 400, answer
    assert tracebacks(caplog) == []


async def test_a_signed_command_replayed_inside_the_window_runs_once(
    bot: Harness, actor: Actor
) -> None:
    key = uuid.uuid4().hex
    body = bot.command_body(text="tip", team=actor.workspace, user=actor.user, key=key)
    stamp = int(time.time())
    first = await bot.post(body, content_type=FORM, timestamp=stamp)
    await bot.fake.wait_for_response(key=key)
    again = await bot.post(body, content_type=FORM, timestamp=stamp)
    # A new signature (a second later) is a new request, and it runs.
    later = await bot.post(body, content_type=FORM, timestamp=stamp + 1)
    answers = await bot.fake.wait_for_response(count=2, key=key)
    await asyncio.sleep(0.3)
    assert [first.status, again.status, later.status] == [200, 200, 200]
    assert len(answers) == len(bot.fake.responses_to(key)) == 2


async def test_a_signed_command_and_its_replay_sent_at_once_run_once(
    bot: Harness, actor: Actor
) -> None:
    # The claim is taken inside the command's own transaction: the copy that arrives
    # while the first is still running must wait for it and then find it taken.
    key = uuid.uuid4().hex
    body = bot.command_body(text="tip", team=actor.workspace, user=actor.user, key=key)
    stamp = int(time.time())
    sent = await asyncio.gather(
        *(bot.post(body, content_type=FORM, timestamp=stamp) for _ in range(4))
    )
    [answer] = await bot.fake.wait_for_response(key=key)
    await asyncio.sleep(0.3)
    assert [s.status for s in sent] == [200] * 4
    assert len(bot.fake.responses_to(key)) == 1
    assert answer["text"].startswith("Top tip")
    # The one that ran counted: the next tip says two of the round are seen.
    after = await bot.command(text="tip", team=actor.workspace, user=actor.user)
    assert "Tip 2 of" in json.dumps(after)


async def test_a_replayed_command_that_writes_nothing_is_answered_once(
    bot: Harness, actor: Actor
) -> None:
    # `help` opens no transaction of its own; its claim is made before it is answered.
    key = uuid.uuid4().hex
    body = bot.command_body(text="help", team=actor.workspace, user=actor.user, key=key)
    stamp = int(time.time())
    for _ in range(3):
        assert (await bot.post(body, content_type=FORM, timestamp=stamp)).status == 200
    await bot.fake.wait_for_response(key=key)
    await asyncio.sleep(0.3)
    assert len(bot.fake.responses_to(key)) == 1


async def test_a_signed_button_press_replayed_inside_the_window_runs_once(
    bot: Harness, actor: Actor
) -> None:
    key = uuid.uuid4().hex
    payload = {
        "type": "block_actions",
        "team": {"id": actor.workspace, "domain": "ccpl"},
        "user": {"id": actor.user, "team_id": actor.workspace},
        "api_app_id": bot.fake.app_id,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": bot.fake.response_url(key),
        "channel": {"id": "C0FORUM", "name": "forum"},
        "actions": [{"type": "button", "action_id": "tip.another", "block_id": "b1", "value": ""}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = int(time.time())
    sent = [await bot.post(body, content_type=FORM, timestamp=stamp) for _ in range(3)]
    await bot.fake.wait_for_response(key=key)
    await asyncio.sleep(0.3)
    assert [s.status for s in sent] == [200, 200, 200]
    assert len(bot.fake.responses_to(key)) == 1


async def _timed_healthz(bot: Harness) -> tuple[int, float]:
    started = time.monotonic()
    async with bot.http.get(f"{bot.root}/healthz") as resp:
        return resp.status, time.monotonic() - started


async def _timed_tip(bot: Harness, actor: Actor) -> tuple[str, float]:
    started = time.monotonic()
    answer = await bot.command(text="tip", team=actor.workspace, user=actor.user)
    return answer["text"], time.monotonic() - started


async def test_a_hung_database_gets_the_outage_message_within_three_seconds(
    pack: ContentPack, clock: FakeClock, actor: Actor
) -> None:
    async with StallingProxy() as hung:
        database = Database(url=f"postgresql+asyncpg://ccpl:x@127.0.0.1:{hung.port}/ccpl")
        ctx = Context(pack=pack, database=database, clock=clock)
        try:
            async with running_bot(ctx=ctx) as bot:
                status, took = await _timed_healthz(bot)
                assert status == 503 and took < 2.0, took
                text, took = await _timed_tip(bot, actor)
                assert text == UNAVAILABLE and took < 3.5, took
        finally:
            await database.dispose()


async def test_after_the_database_hangs_and_recovers_everything_works_without_a_restart(
    pack: ContentPack, clock: FakeClock, actor: Actor
) -> None:
    url = await fresh_database(postgres_url_or_skip())
    real = make_url(url)
    try:
        async with StallingProxy(upstream=(real.host or "127.0.0.1", real.port or 5432)) as proxy:
            database = Database(url=real.set(port=proxy.port).render_as_string(False))
            await upgrade(database=database)
            ctx = Context(pack=pack, database=database, clock=clock)
            async with running_bot(ctx=ctx) as bot:
                assert (await _timed_tip(bot, actor))[0].startswith("Top tip")
                proxy.stall()
                status, took = await _timed_healthz(bot)
                assert status == 503 and took < 2.0, took
                text, took = await _timed_tip(bot, actor)
                assert text == UNAVAILABLE and took < 3.5, took
                proxy.recover()
                assert (await _timed_tip(bot, actor))[0].startswith("Top tip")
                assert (await _timed_healthz(bot))[0] == 200
            await database.dispose()
    finally:
        await drop_database(url)


async def test_an_export_whose_direct_message_fails_tells_the_person_and_logs_the_command(
    bot: Harness, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await bot.command(text="reflect listening first helped", team=actor.workspace, user=actor.user)
    bot.fake.fail_next("chat.postMessage", status=200, error="user_not_found", times=3)
    bot.fake.fail_next("files.getUploadURLExternal", status=200, error="user_not_found", times=3)
    key = uuid.uuid4().hex
    body = bot.command_body(text="export", team=actor.workspace, user=actor.user, key=key)
    assert (await bot.post(body, content_type=FORM)).status == 200
    preparing, failed = await bot.fake.wait_for_response(count=2, key=key)
    assert preparing["text"].startswith("Preparing")
    assert "couldn't" in failed["text"] and "direct message" in failed["text"]
    assert tracebacks(caplog) == []
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"]
    assert any("'export'" in line and "user_not_found" in line for line in lines), lines


@pytest.mark.parametrize(
    "zone", ["Europe/" + "x" * 20_000, "Mars/Olympus_Mons", "../../etc/passwd"]
)
async def test_a_time_zone_no_one_could_mean_is_a_field_error(
    bot: Harness, actor: Actor, zone: str, caplog: pytest.LogCaptureFixture
) -> None:
    view = await bot.open_form(
        text="forum setup", team=actor.workspace, user="UFACILITATOR", channel="C0FORUM"
    )
    sent = await submit_view(
        bot,
        view=view,
        answers={"name": "Forum", "recurrence": "every Tuesday at 2pm", "timezone": zone},
        team=actor.workspace,
        user="UFACILITATOR",
    )
    assert sent.status == 200, sent
    assert "timezone" in json.loads(sent.body)["errors"]
    assert tracebacks(caplog) == []


async def test_a_quick_note_with_nul_bytes_is_saved_without_them(
    bot: Harness, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    answer = await bot.command(
        text="reflect listening\x00 first\x00", team=actor.workspace, user=actor.user
    )
    assert "couldn't" not in answer["text"] and "wrong" not in answer["text"], answer
    listed = await bot.command(text="reflections", team=actor.workspace, user=actor.user)
    assert "listening first" in json.dumps(listed)
    assert tracebacks(caplog) == []
