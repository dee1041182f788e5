"""A member's own profession, chosen by them for the "who isn't in the room" report."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member
from storage.repositories import Scope


async def profession_of(session: AsyncSession, *, scope: Scope) -> str | None:
    member = await session.get(Member, scope.member_id)
    return member.profession if member is not None else None


async def set_profession(session: AsyncSession, *, scope: Scope, profession: str | None) -> None:
    """Store a content-pack profession id, or None to clear it."""
    member = await session.get(Member, scope.member_id)
    assert member is not None and member.workspace_id == scope.workspace_id
    member.profession = profession
