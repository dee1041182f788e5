"""Many workspaces on one deployment: Slack's OAuth install through /slack/install, each
workspace answered and posted to with its own token, uninstalling stopping its posts.

The fake Web API answers oauth.v2.access and records the token of every call; the
requests into the bot are signed, over loopback, as in the other Slack tests.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings
from handlers import Context
from handlers.outbox.planner import plan
from tests.bot.slack_harness import (
    CLIENT_SECRET,
    Harness,
    install,
    running_bot,
    submit_view,
)
from tests.clock import FakeClock

HOST = "UHOST"  # the same person id in every workspace: ids are only unique within one
FORUM = "C0FORUM"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    """OAuth mode on the shared database: each test installs workspaces of its own."""
    async with running_bot(ctx=ctx, oauth=True) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        yield harness


@pytest.fixture
async def scheduled(sctx: Context) -> AsyncIterator[Harness]:
    """OAuth mode on a database of its own, since the scheduler plans for every workspace."""
    async with running_bot(ctx=sctx, oauth=True) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        yield harness


def new_team() -> str:
    return "T" + uuid.uuid4().hex[:8].upper()


async def installed(bot: Harness, team: str) -> str:
    done = await install(bot, code=bot.fake.grant(team_id=team))
    assert done.status == 200 and done.token is not None, done.page
    return done.token


async def set_up_forum(bot: Harness, *, team: str) -> None:
    """A workspace admin sets up a monthly forum by modal, and confirms its dates."""
    view = await bot.open_form(text="forum setup", team=team, user=HOST, channel=FORUM)
    before = len(bot.fake.calls_to("chat.postMessage"))
    sent = await submit_view(
        bot,
        view=view,
        team=team,
        user=HOST,
        answers={
            "name": "Forum",
            "kind": "forum",
            "recurrence": "first Tuesday of the month at 12:30",
            "timezone": "Europe/London",
            "duration": "60",
            "ground_rules": "",
        },
    )
    assert sent.status == 200, sent
    [*_, preview] = await bot.fake.wait_for("chat.postMessage", count=before + 1)
    confirm = next(
        element
        for block in preview.params.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("type") == "button" and element["text"]["text"] == "Confirm"
    )
    await bot.click(action_id=confirm["action_id"], value=confirm["value"], team=team, user=HOST)


async def send_due(bot: Harness, ctx: Context) -> None:
    """One wake-up of the scheduler: plan what is due, and send it through the runtime's
    own outbox sender (which finds each row's token)."""
    assert bot.runtime is not None
    await bot.settle()
    await plan(ctx=ctx, until=ctx.clock(), grace=timedelta(hours=6))
    await bot.runtime.sender.drain()


def tokens_of(bot: Harness, method: str, *, channel: str | None = None) -> list[str | None]:
    return [
        c.token
        for c in bot.fake.calls_to(method, successful=True)
        if channel is None or c.params.get("channel") == channel
    ]


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "event_ts": str(time.time()), **fields}


async def test_two_workspaces_install_and_each_is_answered_and_posted_to_with_its_own_token(
    scheduled: Harness, sctx: Context
) -> None:
    bot = scheduled
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    team_a, team_b = new_team(), new_team()
    token_a, token_b = await installed(bot, team_a), await installed(bot, team_b)
    assert token_a != token_b

    # Commands: the forms open with the token of the workspace that asked.
    await set_up_forum(bot, team=team_a)
    await set_up_forum(bot, team=team_b)
    assert tokens_of(bot, "views.open") == [token_a, token_b]

    # A scheduled prompt in each goes out with the right token.
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    posts_before = len(bot.fake.calls_to("chat.postMessage"))
    await send_due(bot, sctx)
    prompts = bot.fake.calls_to("chat.postMessage", successful=True)[posts_before:]
    assert sorted(c.token or "" for c in prompts) == sorted([token_a, token_b])

    # Workspace A uninstalls: its next prompt is not sent, B's is.
    sent = await bot.event(
        event=event("app_uninstalled"), team=team_a, event_id="Ev" + uuid.uuid4().hex[:10]
    )
    assert sent.status == 200
    bot.fake.revoke(token_a)
    clock.now = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    posts_before = len(bot.fake.calls_to("chat.postMessage"))
    await send_due(bot, sctx)
    # B's forum prompt (and its monthly digest) with B's token; nothing for A.
    after = bot.fake.calls_to("chat.postMessage")[posts_before:]
    assert after and {c.token for c in after} == {token_b}

    # B still answers with its own token; A is told the app is no longer installed.
    await bot.open_form(text="forum setup", team=team_b, user=HOST, channel=FORUM)
    assert tokens_of(bot, "views.open")[-1] == token_b
    answer = await bot.command(text="forum setup", team=team_a, user=HOST)
    assert "installation" in answer["text"]
    assert token_a not in tokens_of(bot, "views.open")[2:]


async def test_stored_tokens_are_not_readable_in_the_database(bot: Harness, ctx: Context) -> None:
    token = await installed(bot, new_team())
    async with ctx.database.transaction() as session:
        rows = (await session.execute(text("SELECT * FROM slack_installations"))).all()
    dump = json.dumps([[str(v) for v in row] for row in rows])
    assert rows and token not in dump and token.split("-")[-1] not in dump


async def test_an_install_that_did_not_start_on_our_page_is_refused(
    bot: Harness, ctx: Context
) -> None:
    team = new_team()
    code = bot.fake.grant(team_id=team)
    async with bot.http.get(f"{bot.root}/slack/oauth_redirect?code={code}&state=forged") as back:
        assert back.status in (400, 401)
    assert bot.fake.calls_to("oauth.v2.access") == []
    answer = await bot.command(text="tip", team=team, user=HOST)
    assert "installation" in answer["text"]


async def test_an_expiring_token_is_rotated_before_use(bot: Harness, ctx: Context) -> None:
    team = new_team()
    done = await install(bot, code=bot.fake.grant(team_id=team, expires_in=600))
    assert done.token is not None
    await bot.open_form(text="forum setup", team=team, user=HOST, channel=FORUM)
    [used] = tokens_of(bot, "views.open")
    # Ten minutes from expiry is inside Bolt's two hours: refreshed, and the new one kept.
    assert used != done.token and bot.fake.token_teams[used or ""] == team
    assert [c.params.get("grant_type") for c in bot.fake.calls_to("oauth.v2.access")] == [
        None,
        "refresh_token",
    ]


async def test_an_org_wide_install_serves_each_workspace_of_the_org(
    bot: Harness, ctx: Context
) -> None:
    org, team = "E" + uuid.uuid4().hex[:8].upper(), new_team()
    done = await install(
        bot, code=bot.fake.grant(team_id=None, enterprise_id=org, is_enterprise_install=True)
    )
    assert done.status == 200 and done.token is not None
    await bot.open_form(
        text="forum setup",
        team=team,
        user=HOST,
        channel=FORUM,
        extra={"enterprise_id": org, "is_enterprise_install": "true"},
    )
    assert tokens_of(bot, "views.open") == [done.token]


async def test_uninstalling_a_single_token_workspace_stops_its_posts(sctx: Context) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    async with running_bot(ctx=sctx) as bot:
        bot.fake.set_user(HOST, is_admin=True)
        team = new_team()
        await set_up_forum(bot, team=team)
        sent = await bot.event(
            event=event("tokens_revoked", tokens={"bot": [bot.fake.bot_user_id]}),
            team=team,
            event_id="Ev" + uuid.uuid4().hex[:10],
        )
        assert sent.status == 200
        clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
        posts_before = len(bot.fake.calls_to("chat.postMessage"))
        await send_due(bot, sctx)
        assert bot.fake.calls_to("chat.postMessage")[posts_before:] == []


def test_oauth_mode_needs_client_credentials_and_no_bot_token() -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    settings = load_settings(environ=oauth, env_file=None)
    assert settings.slack_oauth and settings.has_slack and "slack=oauth" in repr(settings)
    # Bolt would turn OAuth on beside the token, from the environment: one or the other.
    with pytest.raises(SettingsError, match="both set"):
        load_settings(environ={**oauth, "SLACK_BOT_TOKEN": "xoxb-1"}, env_file=None)
    with pytest.raises(SettingsError, match="SLACK_SCOPES"):
        load_settings(environ={**oauth, "SLACK_SCOPES": "chat:write,DROP TABLE"}, env_file=None)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # Before the app is built: Bolt gives each of its loggers the root's level at that moment.
    configure_logging(level=logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    configure_logging(level=logging.WARNING)


async def test_install_rotation_and_uninstall_log_no_secret(
    debug_logs: pytest.LogCaptureFixture, bot: Harness
) -> None:
    caplog = debug_logs
    team = new_team()
    code = bot.fake.grant(team_id=team, expires_in=600)
    done = await install(bot, code=code)
    await bot.open_form(text="forum setup", team=team, user=HOST, channel=FORUM)
    await bot.event(
        event=event("app_uninstalled"), team=team, event_id="Ev" + uuid.uuid4().hex[:10]
    )
    formatter = logging.Formatter("%(name)s %(message)s %(args)s")
    said = "\n".join(formatter.format(r) for r in caplog.records)
    issued = [done.token or "", *bot.fake.token_teams]
    assert f"team={team}" in said  # the uninstall is logged, by workspace
    assert all(token.split("-")[-1] not in said for token in issued)
    assert CLIENT_SECRET not in said and code not in said
