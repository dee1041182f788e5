"""Reflection queries. Each takes the owner's `Scope`: there is no way to read another's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reflection
from storage.repositories import Scope


def _owned(scope: Scope) -> tuple[Any, ...]:
    return (Reflection.workspace_id == scope.workspace_id, Reflection.member_id == scope.member_id)


async def add_reflection(
    session: AsyncSession, *, scope: Scope, now: datetime, fields: dict[str, Any]
) -> Reflection:
    """Store a new reflection for the scope's member; `fields` are Reflection columns."""
    row = Reflection(
        workspace_id=scope.workspace_id,
        member_id=scope.member_id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(row)
    await session.flush()
    return row


async def get_reflection(
    session: AsyncSession, *, scope: Scope, reflection_id: int
) -> Reflection | None:
    """The reflection if, and only if, the scope's member wrote it."""
    found: Reflection | None = await session.scalar(
        select(Reflection).where(*_owned(scope), Reflection.id == reflection_id)
    )
    return found


async def update_reflection(
    session: AsyncSession,
    *,
    scope: Scope,
    reflection_id: int,
    now: datetime,
    fields: dict[str, Any],
) -> Reflection | None:
    row = await get_reflection(session, scope=scope, reflection_id=reflection_id)
    if row is None:
        return None
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return row


async def delete_reflection(session: AsyncSession, *, scope: Scope, reflection_id: int) -> bool:
    result = await session.execute(
        delete(Reflection).where(*_owned(scope), Reflection.id == reflection_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_reflections(
    session: AsyncSession, *, scope: Scope, offset: int = 0, limit: int | None = None
) -> tuple[Sequence[Reflection], int]:
    """The member's reflections, newest first, and how many there are in all."""
    total = await session.scalar(select(func.count()).select_from(Reflection).where(*_owned(scope)))
    query = (
        select(Reflection)
        .where(*_owned(scope))
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return (await session.scalars(query)).all(), total or 0
