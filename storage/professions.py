"""A member's own profession, chosen by them for the "who isn't in the room" report."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member
from storage.repositories import Scope


def _own(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    return (Member.id == scope.member_id, Member.workspace_id == scope.workspace_id)


async def profession_of(session: AsyncSession, *, scope: Scope) -> str | None:
    found: str | None = await session.scalar(select(Member.profession).where(*_own(scope)))
    return found


async def set_profession(session: AsyncSession, *, scope: Scope, profession: str | None) -> None:
    """Store a content-pack profession id, or None to clear it."""
    await session.execute(update(Member).where(*_own(scope)).values(profession=profession))
