"""A person's own settings and data rights: their switches, everything held, erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import forget_in_audit
from storage.facilitators import forget_grantor
from storage.forgotten import remember_forgotten
from storage.models import Base, Member, Workspace
from storage.polls import forget_ballots
from storage.repositories import Scope


@dataclass(frozen=True, kw_only=True, slots=True)
class Consents:
    """What the person allows: counting their activity, and check-in invitations."""

    counted: bool
    checkins: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class QuietHours:
    """Local hours when no scheduled direct message reaches the person; may span midnight."""

    start: time
    end: time


def _member(scope: Scope) -> tuple[Any, ...]:
    return (Member.id == scope.member_id, Member.workspace_id == scope.workspace_id)


async def consents(session: AsyncSession, *, scope: Scope) -> Consents:
    row = (
        await session.execute(
            select(Member.counting_opt_out, Member.checkins_opt_out).where(*_member(scope))
        )
    ).one()
    return Consents(counted=not row.counting_opt_out, checkins=not row.checkins_opt_out)


async def set_checkins_opt_out(session: AsyncSession, *, scope: Scope, opted_out: bool) -> None:
    """Stop, or allow again, facilitators' one-to-one check-in invitations."""
    await session.execute(update(Member).where(*_member(scope)).values(checkins_opt_out=opted_out))


async def pause_member(session: AsyncSession, *, scope: Scope, until: datetime) -> None:
    """No scheduled direct messages to the person before `until`."""
    await session.execute(update(Member).where(*_member(scope)).values(paused_until=until))


async def resume_member(session: AsyncSession, *, scope: Scope) -> None:
    await session.execute(update(Member).where(*_member(scope)).values(paused_until=None))


async def set_quiet_hours(
    session: AsyncSession, *, scope: Scope, hours: QuietHours | None, default_zone: str
) -> None:
    """Set or clear quiet hours; hours are read in the person's zone, `default_zone`
    until they have one."""
    if hours is None:
        values: dict[str, Any] = {"quiet_from": None, "quiet_until": None}
    else:
        zone = await session.scalar(select(Member.timezone).where(*_member(scope)))
        values = {
            "quiet_from": hours.start,
            "quiet_until": hours.end,
            "timezone": zone or default_zone,
        }
    await session.execute(update(Member).where(*_member(scope)).values(**values))


def _member_tables() -> list[Table]:
    # Every table with a member_id column holds data about a person; finding them
    # from the metadata means a table added later cannot be forgotten here.
    return [t for t in reversed(Base.metadata.sorted_tables) if "member_id" in t.columns]


# Internal keys, and an open anonymous poll's salt: with it, a creator holding the
# member list could work out who voted for what.
NOT_EXPORTED = frozenset({"workspace_id", "member_id", "salt"})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value  # datetimes too


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

    Rows naming them by platform id rather than member id (the audit log, the
    grants they made) keep what happened and lose who. A keyed digest of their
    id is kept so member lists do not bring them back.
    """
    user = await session.scalar(
        select(Member.external_id).where(
            Member.id == scope.member_id, Member.workspace_id == scope.workspace_id
        )
    )
    workspace = await session.scalar(
        select(Workspace.external_id).where(Workspace.id == scope.workspace_id)
    )
    if user is not None and workspace is not None:
        await forget_ballots(
            session, workspace_id=scope.workspace_id, workspace=workspace, user=user
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
        await forget_in_audit(session, workspace_id=scope.workspace_id, user=user)
        await forget_grantor(session, workspace_id=scope.workspace_id, user=user)
        await remember_forgotten(session, workspace_id=scope.workspace_id, user=user)
    return removed
