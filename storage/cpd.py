"""A member's own CPD settings: regulator, revalidation date, and what their export prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CpdSettings
from storage.repositories import Scope, upsert_insert


@dataclass(frozen=True, kw_only=True, slots=True)
class SavedCpdSettings:
    """What a member chose; every part may be unset."""

    regulator: str | None = None
    renewal_date: date | None = None
    full_name: str | None = None
    registration_number: str | None = None


async def cpd_settings_of(session: AsyncSession, *, scope: Scope) -> SavedCpdSettings:
    """The member's settings, or all unset when they have never saved any."""
    row = await session.scalar(select(CpdSettings).where(*_own(scope)))
    if row is None:
        return SavedCpdSettings()
    return SavedCpdSettings(
        regulator=row.regulator,
        renewal_date=row.renewal_date,
        full_name=row.full_name,
        registration_number=row.registration_number,
    )


async def save_cpd_settings(
    session: AsyncSession, *, scope: Scope, settings: SavedCpdSettings
) -> None:
    """Replace the member's settings (the export counter is kept)."""
    await _ensure_row(session, scope=scope)
    await session.execute(
        update(CpdSettings)
        .where(*_own(scope))
        .values(
            regulator=settings.regulator,
            renewal_date=settings.renewal_date,
            full_name=settings.full_name,
            registration_number=settings.registration_number,
        )
    )


async def next_export_number(session: AsyncSession, *, scope: Scope) -> int:
    """1 for the member's first export, 2 for the next: one UPDATE, so two at once differ."""
    await _ensure_row(session, scope=scope)
    number = await session.scalar(
        update(CpdSettings)
        .where(*_own(scope))
        .values(exports=CpdSettings.exports + 1)
        .returning(CpdSettings.exports)
    )
    assert number is not None
    return int(number)


async def _ensure_row(session: AsyncSession, *, scope: Scope) -> None:
    insert = upsert_insert(session)
    await session.execute(
        insert(CpdSettings)
        .values(workspace_id=scope.workspace_id, member_id=scope.member_id, exports=0)
        .on_conflict_do_nothing(index_elements=["workspace_id", "member_id"])
    )


def _own(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    return (
        CpdSettings.workspace_id == scope.workspace_id,
        CpdSettings.member_id == scope.member_id,
    )
