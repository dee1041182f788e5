"""A person's data rights: everything held about them, and erasing it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.forgotten import remember_forgotten
from storage.models import Base, Member, Workspace
from storage.repositories import Scope


def _member_tables() -> list[Table]:
    # Every table with a member_id column holds data about a person; finding them
    # from the metadata means a table added later cannot be forgotten here.
    return [t for t in reversed(Base.metadata.sorted_tables) if "member_id" in t.columns]


# Internal keys, and an open anonymous poll's salt: with it, a creator holding the
# member list could work out who voted for what.
NOT_EXPORTED = frozenset({"workspace_id", "member_id", "salt"})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def member_data(session: AsyncSession, *, scope: Scope) -> dict[str, Any]:
    """Every row about the member, table by table, as JSON-ready values."""
    member = await session.get(Member, scope.member_id)
    workspace = await session.get(Workspace, scope.workspace_id)
    assert member is not None and workspace is not None
    data: dict[str, Any] = {
        "member": {
            "platform": workspace.platform,
            "workspace": workspace.external_id,
            "user": member.external_id,
            "first_seen": member.created_at.isoformat(),
            "profession": member.profession,
            "counting_opt_out": member.counting_opt_out,
            "checkins_opt_out": member.checkins_opt_out,
            "paused_until": _plain(member.paused_until),
            "quiet_hours": (
                f"{member.quiet_from:%H:%M}-{member.quiet_until:%H:%M}"
                if member.quiet_from and member.quiet_until
                else None
            ),
        }
    }
    for table in reversed(_member_tables()):
        rows = await session.execute(
            select(table).where(
                table.c.member_id == scope.member_id, table.c.workspace_id == scope.workspace_id
            )
        )
        data[table.name] = [
            {k: _plain(v) for k, v in row._mapping.items() if k not in NOT_EXPORTED} for row in rows
        ]
    return data


async def forget_member(session: AsyncSession, *, scope: Scope) -> int:
    """Erase the member from every table; returns how many rows went.

    A digest of their id is kept so member lists do not bring them back.
    """
    user = await session.scalar(
        select(Member.external_id).where(
            Member.id == scope.member_id, Member.workspace_id == scope.workspace_id
        )
    )
    removed = 0
    for table in _member_tables():
        result = await session.execute(
            delete(table).where(
                table.c.member_id == scope.member_id, table.c.workspace_id == scope.workspace_id
            )
        )
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    result = await session.execute(
        delete(Member).where(
            Member.id == scope.member_id, Member.workspace_id == scope.workspace_id
        )
    )
    removed += int(result.rowcount)  # type: ignore[attr-defined]
    if user is not None:
        await remember_forgotten(session, workspace_id=scope.workspace_id, user=user)
    return removed
