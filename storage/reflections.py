"""Reflection queries. Each takes the owner's `Scope`: there is no way to read another's.

Callers hand in and get back plain frozen records, never rows, so no handler
can change a reflection except through these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reflection
from storage.repositories import Scope


@dataclass(frozen=True, kw_only=True, slots=True)
class NewReflection:
    """What a person wrote: a template's answers (or a quick note) and its CPD details.

    `template_id` is None for a quick note; `shared_channel` is where it was shared
    anonymously, if anywhere.
    """

    template_id: str | None
    title: str
    answers: Mapping[str, str]
    code_themes: tuple[str, ...] = ()
    principles: tuple[int, ...] = ()
    cpd_minutes: int = 0
    participatory: bool = False
    session: str | None = None
    shared_channel: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SavedReflection(NewReflection):
    """A stored reflection, with its id and when it was written and last changed."""

    id: int
    created_at: datetime
    updated_at: datetime


def _owned(scope: Scope) -> tuple[Any, ...]:
    return (Reflection.workspace_id == scope.workspace_id, Reflection.member_id == scope.member_id)


def _columns(reflection: NewReflection) -> dict[str, Any]:
    # JSON columns take plain lists and dicts.
    return {
        "template_id": reflection.template_id,
        "title": reflection.title,
        "answers": dict(reflection.answers),
        "code_themes": list(reflection.code_themes),
        "principles": list(reflection.principles),
        "cpd_minutes": reflection.cpd_minutes,
        "participatory": reflection.participatory,
        "session": reflection.session,
        "shared_channel": reflection.shared_channel,
    }


def _saved(row: Reflection) -> SavedReflection:
    return SavedReflection(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        template_id=row.template_id,
        title=row.title,
        answers=dict(row.answers),
        code_themes=tuple(row.code_themes),
        principles=tuple(row.principles),
        cpd_minutes=row.cpd_minutes,
        participatory=row.participatory,
        session=row.session,
        shared_channel=row.shared_channel,
    )


async def create_reflection(
    session: AsyncSession, *, scope: Scope, reflection: NewReflection, now: datetime
) -> SavedReflection:
    """Store a new reflection for the scope's member."""
    row = Reflection(
        workspace_id=scope.workspace_id,
        member_id=scope.member_id,
        created_at=now,
        updated_at=now,
        **_columns(reflection),
    )
    session.add(row)
    await session.flush()
    return _saved(row)


async def _owned_row(
    session: AsyncSession, *, scope: Scope, reflection_id: int
) -> Reflection | None:
    found: Reflection | None = await session.scalar(
        select(Reflection).where(*_owned(scope), Reflection.id == reflection_id)
    )
    return found


async def get_reflection(
    session: AsyncSession, *, scope: Scope, reflection_id: int
) -> SavedReflection | None:
    """The reflection if, and only if, the scope's member wrote it."""
    row = await _owned_row(session, scope=scope, reflection_id=reflection_id)
    return None if row is None else _saved(row)


async def update_reflection(
    session: AsyncSession,
    *,
    scope: Scope,
    reflection_id: int,
    reflection: NewReflection,
    now: datetime,
) -> SavedReflection | None:
    """Replace the member's own reflection; None when they have no such reflection."""
    row = await _owned_row(session, scope=scope, reflection_id=reflection_id)
    if row is None:
        return None
    for name, value in _columns(reflection).items():
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return _saved(row)


async def delete_reflection(session: AsyncSession, *, scope: Scope, reflection_id: int) -> bool:
    result = await session.execute(
        delete(Reflection).where(*_owned(scope), Reflection.id == reflection_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_reflections(
    session: AsyncSession, *, scope: Scope, offset: int = 0, limit: int | None = None
) -> tuple[list[SavedReflection], int]:
    """The member's reflections, newest first, and how many there are in all."""
    total = await session.scalar(select(func.count()).select_from(Reflection).where(*_owned(scope)))
    query = (
        select(Reflection)
        .where(*_owned(scope))
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_saved(row) for row in await session.scalars(query)], total or 0
