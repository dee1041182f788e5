"""Each organisation's own settings and the admins it named in the bot.

An organisation is a workspace (a Slack team, a Teams tenant). What it has not
set falls back to the deployment's environment variables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AdminGrant, Member, OrganisationSettings, Workspace
from storage.repositories import Scope, upsert_insert


async def organisation_timezone(
    session: AsyncSession, *, platform: str, workspace: str
) -> str | None:
    """The time zone the organisation chose, by its platform id; None when it chose none."""
    zone: str | None = await session.scalar(
        select(OrganisationSettings.timezone)
        .join(Workspace, Workspace.id == OrganisationSettings.workspace_id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace)
    )
    return zone


async def set_timezone(
    session: AsyncSession, *, workspace_id: int, timezone: str | None, now: datetime
) -> None:
    insert = upsert_insert(session)
    await session.execute(
        insert(OrganisationSettings)
        .values(workspace_id=workspace_id, timezone=timezone, updated_at=now)
        .on_conflict_do_update(
            index_elements=["workspace_id"], set_={"timezone": timezone, "updated_at": now}
        )
    )


async def is_named_admin(session: AsyncSession, *, scope: Scope) -> bool:
    found = await session.scalar(
        select(AdminGrant.id).where(
            AdminGrant.workspace_id == scope.workspace_id,
            AdminGrant.member_id == scope.member_id,
        )
    )
    return found is not None


async def name_admin(session: AsyncSession, *, scope: Scope, now: datetime) -> bool:
    """Make the scope's member an admin of their organisation; False when they were."""
    insert = upsert_insert(session)
    result = await session.execute(
        insert(AdminGrant)
        .values(workspace_id=scope.workspace_id, member_id=scope.member_id, added_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "member_id"])
        .returning(AdminGrant.id)
    )
    return result.scalar_one_or_none() is not None


async def unname_admin(session: AsyncSession, *, scope: Scope) -> bool:
    result = await session.execute(
        delete(AdminGrant).where(
            AdminGrant.workspace_id == scope.workspace_id,
            AdminGrant.member_id == scope.member_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def named_admins(session: AsyncSession, *, workspace_id: int) -> list[str]:
    """The user ids this organisation named admins, in the order named."""
    rows = await session.scalars(
        select(Member.external_id)
        .join(AdminGrant, AdminGrant.member_id == Member.id)
        .where(AdminGrant.workspace_id == workspace_id)
        .order_by(AdminGrant.added_at, Member.external_id)
    )
    return list(rows)
