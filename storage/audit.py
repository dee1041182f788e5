"""The audit log of facilitator actions."""

from __future__ import annotations

from collections.abc import Sequence
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


async def recent_audit(
    session: AsyncSession, *, workspace_id: int, limit: int, before: int | None = None
) -> Sequence[AuditEntry]:
    """The newest entries first; `before` (an entry id) pages further back."""
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return (await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))).all()
