"""The audit log of facilitator actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry
from storage.repositories import Scope


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
