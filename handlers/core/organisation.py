"""What an organisation chose for itself, applied to each command it runs.

The deployment's settings (CCPL_TIMEZONE, CCPL_CONTENT_DIR, CCPL_KEEP_*_DAYS)
are every organisation's defaults. One that set its own time zone or retention
periods, or layered its own content files over the pack, with `/ccpl settings`
gets its answers that way,
and no other organisation is affected. A change shows at once in the process
that made it, and within ten seconds in the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from content import ContentPack
from content.loader import overlay_from_texts
from content.problems import ContentError
from handlers.core.context import Context
from handlers.core.model import Actor
from storage import Database, DatabaseUnavailable, Direct
from storage.organisations import Organisation, content_files, organisation

log = logging.getLogger(__name__)

# Built packs by (workspace, when its files last changed, the base pack): rebuilt only
# after an edit, here or in another process.
_PACKS: dict[tuple[int, datetime, int], ContentPack] = {}
_MOST_PACKS = 64
# What each organisation set, read at most every few seconds per process: a command costs
# no extra query most of the time, and a change made in another process shows within this.
ORGANISATION_SECONDS = 10.0
_ORGS: dict[tuple[str, str], tuple[float, Organisation]] = {}
_MOST_ORGS = 4096
# The pack each built one was layered over, so a new file is checked against that alone.
_BASES: dict[int, ContentPack] = {}


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of this name, or None: names come from people and the database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def forget_organisation(*, actor: Actor, workspace_id: int) -> None:
    """After a change to the actor's organisation: this process sees it at once."""
    _ORGS.pop((actor.platform, actor.workspace), None)
    _ORGS.pop(("#", str(workspace_id)), None)


async def _organisation(
    ctx: Context, *, key: tuple[str, str], actor: Actor | None, workspace_id: int | None
) -> Organisation:
    cached = _ORGS.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    async with ctx.database.transaction() as session:
        if actor is not None:
            found = await organisation(session, platform=actor.platform, workspace=actor.workspace)
        else:
            found = await organisation(session, workspace_id=workspace_id)
    if len(_ORGS) >= _MOST_ORGS:
        _ORGS.clear()
    _ORGS[key] = (time.monotonic() + ORGANISATION_SECONDS, found)
    return found


class _KnownDown(Database):
    """The database, found not to answer earlier in this same request: every further
    transaction fails at once, so nobody waits out a second timeout, while a command that
    needs no database (opening a form) still runs."""

    def __init__(self, database: Database) -> None:  # no engine of its own
        self.wrapped = database

    @property
    def is_sqlite(self) -> bool:
        return self.wrapped.is_sqlite

    @property
    def is_postgres(self) -> bool:
        return self.wrapped.is_postgres

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        raise DatabaseUnavailable("unavailable earlier in this request")
        yield  # pragma: no cover  (makes this a generator, as the context manager needs)

    @asynccontextmanager
    async def direct(self) -> AsyncIterator[Direct]:
        raise DatabaseUnavailable("unavailable earlier in this request")
        yield  # pragma: no cover


async def for_organisation(*, ctx: Context, actor: Actor) -> Context:
    """The context as the actor's organisation has set it up. When the database does not
    answer, the deployment's defaults, and a database that says so at once."""
    key = (actor.platform, actor.workspace)
    try:
        found = await _organisation(ctx, key=key, actor=actor, workspace_id=None)
        return await _applied(ctx, found)
    except DatabaseUnavailable:
        return replace(ctx, database=_KnownDown(ctx.database))


async def for_workspace(*, ctx: Context, workspace_id: int) -> Context:
    """The same, for a scheduled post, which knows its workspace by our id."""
    key = ("#", str(workspace_id))
    found = await _organisation(ctx, key=key, actor=None, workspace_id=workspace_id)
    return await _applied(ctx, found)


async def _applied(ctx: Context, found: Organisation) -> Context:
    if found.workspace_id is None:
        return ctx
    pack = ctx.pack
    if found.content_changed is not None:
        key = (found.workspace_id, found.content_changed, id(ctx.pack))
        if key not in _PACKS:
            async with ctx.database.transaction() as session:
                files = await content_files(session, workspace_id=found.workspace_id)
            _remember(key, _layered(base=ctx.pack, files=files, workspace_id=key[0]), ctx.pack)
        pack = _PACKS[key]
    zone = zone_named(found.timezone) if found.timezone else None
    if zone is None and pack is ctx.pack and not found.retention:
        return ctx
    return replace(
        ctx,
        timezone=zone or ctx.timezone,
        pack=pack,
        retention=ctx.deployment_retention.with_own(found.retention),
        retention_defaults=ctx.deployment_retention,
    )


def _layered(*, base: ContentPack, files: dict[str, str], workspace_id: int) -> ContentPack:
    try:
        return overlay_from_texts(files=files, base=base)
    except ContentError:
        # Checked when saved; a later change to the shared pack can still break it.
        log.warning(
            "workspace %d's own content no longer loads; using the shared pack", workspace_id
        )
        return base


def _remember(key: tuple[int, datetime, int], pack: ContentPack, base: ContentPack) -> None:
    if len(_PACKS) >= _MOST_PACKS:
        _PACKS.clear()
        _BASES.clear()
    _PACKS[key] = pack
    _BASES[id(pack)] = base


def shared_pack(ctx: Context) -> ContentPack:
    """The deployment's pack under whatever this organisation layered over it."""
    return _BASES.get(id(ctx.pack), ctx.pack)
