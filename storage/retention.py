"""How long each kind of record is kept, and the deletion that enforces it.

Reflections are not here: they are kept until their author deletes them
(`forget-me` included). Everything else the bot records about activity has a
stated life, enforced daily by the elected scheduler across all workspaces;
the deletes touch no content and report counts only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, AuditEntry, CheckIn, OutboxMessage, Poll, ProcessedEvent

# Rows the sender has finished with; pending and in-flight rows are never deleted.
_DONE = ("sent", "skipped", "failed")


@dataclass(frozen=True, kw_only=True, slots=True)
class Retention:
    """Days each record is kept (the defaults are also the documented ones)."""

    participation: int = 365  # per-person counts of messages, replies, reactions per day
    audit: int = 730  # facilitator actions
    outbox: int = 90  # posts sent, skipped or given up on
    checkins: int = 365  # closed check-in invitations
    polls: int = 365  # closed polls and their ballots, from when they were asked
    event_ids: int = 7  # ids of platform events already handled, to drop retries

    def lines(self) -> list[str]:
        """The policy in words, for `/ccpl privacy`."""
        return [
            f"Your participation counts: {_days(self.participation)}.",
            f"Check-in invitations, once closed: {_days(self.checkins)}.",
            f"Closed polls and their ballots: {_days(self.polls)} after they were asked.",
            f"The log of facilitator actions: {_days(self.audit)}.",
            f"Scheduled posts, once sent: {_days(self.outbox)}.",
            f"Ids of chat events already handled: {_days(self.event_ids)}.",
            "Your reflections: until you delete them (`forget-me` deletes everything).",
        ]


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


def _statements(policy: Retention, now: datetime) -> dict[str, Delete]:
    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    return {
        "participation": delete(Activity).where(Activity.day < before(policy.participation).date()),
        "audit": delete(AuditEntry).where(AuditEntry.at < before(policy.audit)),
        "outbox": delete(OutboxMessage).where(
            OutboxMessage.status.in_(_DONE), OutboxMessage.due_at < before(policy.outbox)
        ),
        "checkins": delete(CheckIn).where(
            CheckIn.status != "pending", CheckIn.sent_at < before(policy.checkins)
        ),
        "polls": delete(Poll).where(Poll.closed, Poll.created_at < before(policy.polls)),
        "event_ids": delete(ProcessedEvent).where(
            ProcessedEvent.received_at < before(policy.event_ids)
        ),
    }


async def enforce(session: AsyncSession, *, policy: Retention, now: datetime) -> dict[str, int]:
    """Delete what has outlived its retention; how many rows of each kind went."""
    removed: dict[str, int] = {}
    for kind, statement in _statements(policy, now).items():
        result = await session.execute(statement.execution_options(synchronize_session=False))
        removed[kind] = int(getattr(result, "rowcount", 0) or 0)
    return removed


KINDS = tuple(f.name for f in fields(Retention))
