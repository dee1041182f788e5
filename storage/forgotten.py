"""Who asked to be forgotten, so passive sources (member lists, events) leave them out.

Only a digest of workspace and user id is kept (`person_digest`), an HMAC under
the server's data key: it says "this person asked" to the running server, and
nothing to someone holding a dump and the person's id. `ensure_scope` removes
it when they use the bot again.

Rows written before digests were keyed (plain SHA-256), or under a key being
rotated out, are still recognised, and re-written in the current form the first
time the person is seen (in a member list or an event).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ForgottenPerson, Workspace
from storage.repositories import (
    Scope,
    ensure_scope,
    person_digest,
    person_digests,
    upsert_insert,
)


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
    """Which of these users asked to be forgotten; old-form digests found are re-keyed."""
    if not users:
        return set()
    current = {u: person_digest(workspace_id=workspace_id, user=u) for u in users}
    by_digest = {d: u for u in users for d in person_digests(workspace_id=workspace_id, user=u)}
    found = list(
        await session.scalars(
            select(ForgottenPerson.digest).where(
                ForgottenPerson.workspace_id == workspace_id,
                ForgottenPerson.digest.in_(list(by_digest)),
            )
        )
    )
    old = [d for d in found if d != current[by_digest[d]]]
    if old:
        await session.execute(
            delete(ForgottenPerson).where(
                ForgottenPerson.workspace_id == workspace_id, ForgottenPerson.digest.in_(old)
            )
        )
        for digest in old:
            await remember_forgotten(session, workspace_id=workspace_id, user=by_digest[digest])
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
