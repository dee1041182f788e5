"""Each organisation's own settings and the admins it named in the bot.

An organisation is a workspace (a Slack team, a Teams tenant). What it has not
set falls back to the deployment's environment variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AdminGrant,
    Member,
    OrganisationContent,
    OrganisationSettings,
    Workspace,
)
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


_KEEP = {
    "participation": OrganisationSettings.keep_participation,
    "checkins": OrganisationSettings.keep_checkins,
    "polls": OrganisationSettings.keep_polls,
    "audit": OrganisationSettings.keep_audit,
}


async def own_retention(session: AsyncSession, *, workspace_id: int) -> dict[str, int]:
    """The retention periods this organisation set for itself, in days, by kind."""
    row = (
        await session.execute(
            select(*_KEEP.values()).where(OrganisationSettings.workspace_id == workspace_id)
        )
    ).first()
    return {} if row is None else _set_only(zip(_KEEP, row, strict=True))


def _set_only(pairs: Iterable[tuple[str, object]]) -> dict[str, int]:
    return {kind: days for kind, days in pairs if isinstance(days, int)}


async def set_retention(
    session: AsyncSession, *, workspace_id: int, days: Mapping[str, int | None], now: datetime
) -> None:
    """Keep the organisation's own periods; None for a kind: the deployment's."""
    values = {f"keep_{kind}": days.get(kind) for kind in _KEEP}
    insert = upsert_insert(session)
    await session.execute(
        insert(OrganisationSettings)
        .values(workspace_id=workspace_id, updated_at=now, **values)
        .on_conflict_do_update(index_elements=["workspace_id"], set_={**values, "updated_at": now})
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


@dataclass(frozen=True, slots=True)
class Organisation:
    """What an organisation set, as each command needs it: its time zone, when its
    content files last changed (None: it has none), and its own retention periods."""

    workspace_id: int | None = None
    timezone: str | None = None
    content_changed: datetime | None = None
    retention: Mapping[str, int] = field(default_factory=dict)


async def organisation(
    session: AsyncSession,
    *,
    platform: str | None = None,
    workspace: str | None = None,
    workspace_id: int | None = None,
) -> Organisation:
    """One query for what every command (by platform and workspace id) or scheduled post
    (by our workspace id) needs to know of its organisation."""
    which = (
        Workspace.id == workspace_id
        if workspace_id is not None
        else (Workspace.platform == platform) & (Workspace.external_id == workspace)
    )
    row = (
        await session.execute(
            select(
                Workspace.id,
                select(func.max(OrganisationContent.updated_at))
                .where(OrganisationContent.workspace_id == Workspace.id)
                .scalar_subquery(),
                OrganisationSettings.timezone,
                *_KEEP.values(),
            )
            .outerjoin(OrganisationSettings, OrganisationSettings.workspace_id == Workspace.id)
            .where(which)
        )
    ).first()
    if row is None:
        return Organisation()
    changed = row[1]
    if isinstance(changed, datetime) and changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)  # SQLite keeps no offset in an aggregate
    return Organisation(
        workspace_id=row[0],
        timezone=row[2],
        content_changed=changed,
        retention=_set_only(zip(_KEEP, row[3:], strict=True)),
    )


async def content_files(session: AsyncSession, *, workspace_id: int) -> dict[str, str]:
    """The organisation's own pack files, by file name."""
    rows = await session.execute(
        select(OrganisationContent.file, OrganisationContent.text).where(
            OrganisationContent.workspace_id == workspace_id
        )
    )
    return {file: text for file, text in rows}


async def save_content_file(
    session: AsyncSession, *, workspace_id: int, file: str, text: str | None, now: datetime
) -> None:
    """Keep (or, with no text, drop) one of the organisation's pack files."""
    await session.execute(
        delete(OrganisationContent).where(
            OrganisationContent.workspace_id == workspace_id, OrganisationContent.file == file
        )
    )
    if text:
        session.add(
            OrganisationContent(workspace_id=workspace_id, file=file, text=text, updated_at=now)
        )
    else:
        # The stamp must still move, so cached packs are rebuilt: touch the remaining files.
        await session.execute(
            update(OrganisationContent)
            .where(OrganisationContent.workspace_id == workspace_id)
            .values(updated_at=now)
        )
