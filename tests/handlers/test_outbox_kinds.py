"""Outbox kinds: each one stored has a composer, and a kind nobody composes fails
loudly instead of sending someone a message meant for another purpose."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from content import ContentPack
from handlers import Actor, Context
from handlers.core.outbox import OutboxKind, composer_for
from storage import Database
from storage.models import OutboxMessage
from storage.outbox import FAILED, enqueue
from tests.clock import FakeClock
from tests.fakes.poster import RecordingPoster

# The values are stored in outbox.kind; renaming one would strand every queued row.
STORED_KINDS = {
    "forum_prompt",
    "meeting_purpose",
    "meeting_agree",
    "lunch_announce",
    "lunch_cancelled",
    "lunch_reminder",
    "lunch_attendance",
    "lunch_promoted",
    "checkin",
    "poll",
    "digest",
}


@pytest.fixture
def own_ctx(pack: ContentPack, own_database: Database, clock: FakeClock) -> Context:
    """A database of its own: the sender drains every row that is due."""
    return Context(pack=pack, database=own_database, clock=clock)


def test_the_kinds_keep_the_values_already_stored() -> None:
    assert {kind.value for kind in OutboxKind} == STORED_KINDS


def test_every_kind_has_a_composer() -> None:
    assert [kind for kind in OutboxKind if composer_for(kind) is None] == []


def test_a_kind_nobody_declares_has_no_composer() -> None:
    assert composer_for("lunch_attendance_v0") is None


async def test_an_unknown_kind_is_failed_and_logged_never_sent(
    own_ctx: Context, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    now = own_ctx.clock()
    async with own_ctx.acting(actor) as (session, scope):
        await enqueue(
            session,
            workspace_id=scope.workspace_id,
            key="retired:1",
            kind="retired_kind",
            target=actor.user,
            member_id=scope.member_id,
            payload={"note": "private words about a patient"},
            due_at=now,
            now=now,
        )
    poster = RecordingPoster()
    with caplog.at_level(logging.INFO):
        report = await OutboxSender(ctx=own_ctx, poster=poster).drain()

    assert poster.posts == []
    assert report.failed == 1
    async with own_ctx.database.transaction() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "retired:1"))
    assert row is not None
    assert row.status == FAILED
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retired_kind" in logged
    assert f"row {row.id}" in logged
    assert "private words" not in logged
