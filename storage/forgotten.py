"""Who asked to be forgotten, so passive sources (member lists, events) leave them out.

Only a SHA-256 digest of workspace and user id is kept (`person_digest`). It
says "this person asked", and nothing else; `ensure_scope` removes it when
they use the bot again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ForgottenPerson, Workspace
from storage.repositories import Scope, ensure_scope, person_digest, upsert_insert


async def remember_forgotten(session: AsyncSession, *, workspace_id: int, user: str) -> None:
    insert = upsert_insert(session)
    await session.execute(
        insert(ForgottenPerson)
        .values(
            workspace_id=workspace_id, digest=person_digest(workspace_id=workspace_id, user=user)
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "digest"])
    )


async def forgotten_among(
    session: AsyncSession, *, workspace_id: int, users: Collection[str]
) -> set[str]:
    """Which of these users asked to be forgotten."""
    if not users:
        return set()
    by_digest = {person_digest(workspace_id=workspace_id, user=u): u for u in users}
    found = await session.scalars(
        select(ForgottenPerson.digest).where(
            ForgottenPerson.workspace_id == workspace_id,
            ForgottenPerson.digest.in_(list(by_digest)),
        )
    )
    return {by_digest[d] for d in found}


async def passive_scope(
    session: AsyncSession, *, platform: str, workspace: str, user: str, now: datetime
) -> Scope | None:
    """The scope for something a person did not ask the bot to do (a message counted,
    a join), or None when they asked to be forgotten: such events must not bring
    them back."""
    workspace_id = await session.scalar(
        select(Workspace.id).where(
            Workspace.platform == platform, Workspace.external_id == workspace
        )
    )
    if workspace_id is not None and await forgotten_among(
        session, workspace_id=workspace_id, users=(user,)
    ):
        return None
    return await ensure_scope(session, platform=platform, workspace=workspace, user=user, now=now)
