"""Two organisations on one deployment, with the same person ids in each: nothing one
writes, sets up or is sent reaches the other, and every post goes with its own
workspace's token. Through signed requests, the fake Web API and the real outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from handlers import Context
from tests.bot.slack_harness import Harness, running_bot, submit_view
from tests.bot.test_slack_install import FORUM, HOST, installed, new_team, send_due, set_up_forum
from tests.clock import FakeClock

MEMBER = "UMEMBER"  # in both workspaces
NOTE = "Handover went better once we agreed the ward 7 huddle time"
QUESTION = "Which evening suits the journal club?"
OWN_PROMPTS = """\
- id: who-is-missing
  principle: diverse-decision-making
  text: Which of our own ward teams never hear about system decisions until they land?
  source: ccpl-in-practice
"""


@pytest.fixture
async def bot(sctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=sctx, oauth=True) as harness:
        harness.fake.set_user(HOST, is_admin=True)
        harness.fake.set_user(MEMBER)
        yield harness


def said(answer: dict[str, object]) -> str:
    return json.dumps(answer)


async def check_sent_with_own_tokens(bot: Harness, ctx: Context) -> int:
    """Every sent outbox row went out with a token of its own workspace; returns how many."""
    async with ctx.database.transaction() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT w.external_id, o.target, o.sent_ref FROM outbox o"
                    " JOIN workspaces w ON w.id = o.workspace_id WHERE o.status = 'sent'"
                )
            )
        ).all()
    calls = {
        (str(c.response.get("ts")), c.token)
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
    }
    for team, target, ref in rows:
        [token] = [token for ts, token in calls if ts == ref]
        assert bot.fake.token_teams[token or ""] == team, (team, target)
    return len(rows)


async def test_two_organisations_with_the_same_people_never_see_each_others_data(
    bot: Harness, sctx: Context
) -> None:
    clock = sctx.clock
    assert isinstance(clock, FakeClock)
    team_a, team_b = new_team(), new_team()
    token_a, token_b = await installed(bot, team_a), await installed(bot, team_b)

    # Organisation A: a private note, a poll and a forum.
    saved = await bot.command(text=f"reflect {NOTE}", team=team_a, user=MEMBER)
    assert "Saved as a quick note" in said(saved)
    await bot.command(text=f'poll "{QUESTION}" "Tuesday" "Thursday"', team=team_a, user=HOST)
    await set_up_forum(bot, team=team_a)
    await bot.settle()
    assert "forum" in said(await bot.command(text="audit", team=team_a, user=HOST)).lower()
    forums_a = await bot.command(text="forum list", team=team_a, user=HOST)
    assert "Forum" in said(forums_a)
    assert "ward 7" in said(await bot.command(text="reflections", team=team_a, user=MEMBER))

    # Organisation B, the same people: none of it is there.
    listed = await bot.command(text="reflections", team=team_b, user=MEMBER)
    assert "ward 7" not in said(listed) and "Saved" not in said(listed)
    forums = await bot.command(text="forum list", team=team_b, user=HOST)
    assert "Nothing is scheduled yet" in said(forums) and "C0FORUM" not in said(forums)
    audit = await bot.command(text="audit", team=team_b, user=HOST)
    assert "forum" not in said(audit).lower()
    uploads_before = len(bot.fake.files)
    await bot.command(text="my-data", team=team_b, user=MEMBER)
    await bot.fake.wait_for("files.completeUploadExternal", count=1)
    [export] = bot.fake.files[uploads_before:]
    assert "ward 7" not in export.content.decode() and QUESTION not in export.content.decode()
    assert tokens_used(bot, "files.completeUploadExternal") == {token_b}

    # Scheduled posts: each one's forum prompts (to the same channel id), A's worded from
    # its own content, and each one's monthly digest to its own HOST.
    await set_up_forum(bot, team=team_b)
    view = await bot.open_form(text="settings content", team=team_a, user=HOST, channel=FORUM)
    answers = {"file": "forum_prompts.yaml", "yaml": OWN_PROMPTS}
    saved = await submit_view(bot, view=view, answers=answers, team=team_a, user=HOST)
    assert saved.status == 200 and saved.body == "", saved.body
    for when in (datetime(2026, 11, 3, 12, 30), datetime(2026, 12, 1, 12, 30)):
        clock.now = when.replace(tzinfo=UTC)
        await send_due(bot, sctx)
    sent = await check_sent_with_own_tokens(bot, sctx)
    assert sent >= 6  # the poll, two forum prompts each, and digests
    assert {c.token for c in bot.fake.calls_to("chat.postMessage")} == {token_a, token_b}
    prompts_b = [
        c
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if c.token == token_b and QUESTION in json.dumps(c.params)
    ]
    assert prompts_b == []
    own = [
        c.token
        for c in bot.fake.calls_to("chat.postMessage", successful=True)
        if "our own ward teams" in json.dumps(c.params)
    ]
    assert own == [token_a]  # A's first forum prompt, in A's words; B keeps the shared pack


def tokens_used(bot: Harness, method: str) -> set[str | None]:
    return {c.token for c in bot.fake.calls_to(method)}
