"""The audit log of facilitator actions."""

from __future__ import annotations

from datetime import datetime

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
