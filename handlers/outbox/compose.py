"""What each planned outbox row says, composed when it is sent.

Composing at send time means a reminder for a cancelled session, or to
someone who is no longer going, is dropped rather than sent stale. Each
feature declares its kinds' composers (handlers/core/outbox.py); this only
finds the right one.
"""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.organisation import for_workspace
from handlers.core.outbox import Outgoing, composer_for
from storage.outbox import OutboxRow


class UnknownKind(Exception):
    """A row of a kind no feature composes: an old or mistyped kind, never guessed at."""


async def compose(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    """The message for a row, or None when it no longer applies."""
    composer = composer_for(row.kind)
    if composer is None:
        raise UnknownKind(row.kind)
    # In the organisation's own time zone and content, as its commands are answered.
    ctx = await for_workspace(ctx=ctx, workspace_id=row.workspace_id)
    return await composer(ctx=ctx, row=row)
