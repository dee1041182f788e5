"""A poll's channel post, queued when the poll is made and composed when sent,
so the first post already shows any votes cast meanwhile."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.outbox import OutboxKind, Outgoing, composes
from handlers.polls.posts import poll_message
from storage.outbox import OutboxRow
from storage.polls import get_poll, poll_viewers, vote_counts


@composes(OutboxKind.POLL)
async def compose_poll(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    async with ctx.database.transaction() as session:
        poll = await get_poll(
            session, workspace_id=row.workspace_id, poll_id=row.payload["poll_id"]
        )
        if poll is None:
            return None
        counts = await vote_counts(session, poll=poll)
        viewers = await poll_viewers(session, poll=poll)
        return Outgoing(reply=poll_message(poll=poll, counts=counts, viewers=viewers))
