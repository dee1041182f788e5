"""The audit log of facilitator actions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry
from storage.repositories import Scope

FORGOTTEN = "a forgotten person"


def record_audit(
    session: AsyncSession, *, scope: Scope, actor: str, action: str, detail: str, now: datetime
) -> None:
    """Add an entry in the caller's transaction, so the action and its record stand together."""
    session.add(
        AuditEntry(
            workspace_id=scope.workspace_id, actor=actor, action=action, detail=detail[:200], at=now
        )
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditRecord:
    """One facilitator action: who (a user id), what, on what, and when."""

    id: int
    actor: str
    action: str
    detail: str
    at: datetime


async def recent_audit(
    session: AsyncSession, *, scope: Scope, limit: int, before: int | None = None
) -> list[AuditRecord]:
    """The workspace's newest entries first; `before` (an entry id) pages further back."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == scope.workspace_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [
        AuditRecord(id=e.id, actor=e.actor, action=e.action, detail=e.detail, at=e.at) for e in rows
    ]


async def forget_in_audit(session: AsyncSession, *, workspace_id: int, user: str) -> None:
    """Replace a forgotten person's id, as actor and inside details, with `FORGOTTEN`.

    The entries stay, so admins still see what was done; only who is erased.
    The id is matched whole, so another person whose id merely contains it is kept.
    """
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.workspace_id == workspace_id, AuditEntry.actor == user)
        .values(actor=FORGOTTEN)
    )
    whole = re.compile(rf"(?<![\w-]){re.escape(user)}(?![\w-])")
    rows = await session.execute(
        select(AuditEntry.id, AuditEntry.detail).where(
            AuditEntry.workspace_id == workspace_id,
            AuditEntry.detail.contains(user, autoescape=True),
        )
    )
    for entry_id, detail in rows.all():
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry_id)
            .values(detail=whole.sub(FORGOTTEN, detail)[:200])
        )
