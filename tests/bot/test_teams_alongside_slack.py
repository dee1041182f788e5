"""Slack and Teams in one process: one web app with both endpoints, one outbox sender
that sends each workspace's posts through its own platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers import Context, Platform
from handlers.outbox.planner import plan
from storage import ensure_scope
from storage.conversations import remember_conversation
from storage.schedules import NewSchedule, confirm_schedule, create_schedule
from tests.bot.teams_harness import TeamsHarness, running_teams
from tests.clock import FakeClock
from tests.fakes.slack_web_api import FakeSlackWebApi

SLACK_CHANNEL = "C0SLACKFORUM"
TEAMS_CHANNEL = "19:teams-forum@thread.tacv2"


@pytest.fixture
async def both(sctx: Context) -> AsyncIterator[tuple[TeamsHarness, FakeSlackWebApi]]:
    async with FakeSlackWebApi() as slack:
        environ = {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_API_URL": slack.base_url,
        }
        async with running_teams(ctx=sctx, environ=environ) as teams:
            yield teams, slack
        slack.assert_all_valid()


async def _forum(
    ctx: Context, *, platform: Platform, workspace: str, channel: str, service_url: str = ""
) -> None:
    """A confirmed monthly forum; in Teams, the channel the bot has been added to."""
    async with ctx.database.transaction() as session:
        scope = await ensure_scope(
            session, platform=platform, workspace=workspace, user="someone", now=ctx.clock()
        )
        row = await create_schedule(
            session,
            scope=scope,
            now=ctx.clock(),
            new=NewSchedule(
                kind="forum",
                name=f"{platform} forum",
                channel=channel,
                rrule="FREQ=MONTHLY;BYDAY=1TU;BYHOUR=12;BYMINUTE=30",
                description="first Tuesday of the month at 12:30",
                starts_on=date(2026, 11, 1),
                timezone="Europe/London",
                duration_minutes=60,
            ),
        )
        await confirm_schedule(session, scope=scope, schedule_id=row.id)
        if platform is Platform.TEAMS:
            await remember_conversation(
                session,
                workspace_id=scope.workspace_id,
                conversation_id=channel,
                kind="channel",
                service_url=service_url,
                now=ctx.clock(),
            )


async def test_one_sender_posts_each_forum_on_its_own_platform(
    both: tuple[TeamsHarness, FakeSlackWebApi], sctx: Context
) -> None:
    teams, slack = both
    await _forum(sctx, platform=Platform.SLACK, workspace="T0CCPL", channel=SLACK_CHANNEL)
    await _forum(
        sctx,
        platform=Platform.TEAMS,
        workspace="tenant-1",
        channel=TEAMS_CHANNEL,
        service_url=teams.fake.service_url,
    )
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
    await plan(ctx=sctx, until=clock.now, grace=timedelta(hours=6))
    report = await teams.runtime.sender.drain()
    assert report.sent == 2 and report.failed == 0
    [slack_post] = slack.calls_to("chat.postMessage", successful=True)
    assert slack_post.params["channel"] == SLACK_CHANNEL
    assert "slack forum" in str(slack_post.params)
    [teams_post] = teams.fake.to(TEAMS_CHANNEL)
    assert "teams forum" in teams_post.text


async def test_both_endpoints_refuse_unsigned_requests(
    both: tuple[TeamsHarness, FakeSlackWebApi],
) -> None:
    teams, _ = both
    root = teams.url.removesuffix("/api/messages")
    async with teams.http.post(f"{root}/slack/events", data=b"{}") as response:
        assert response.status == 401
    assert (await teams.post({"type": "message"}, authorization=None)).status == 401
