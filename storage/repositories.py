"""Queries, each scoped to one workspace through a `Scope`.

A `Scope` is the only way to reach workspace-owned rows, so a query that
forgets its workspace cannot be written by accident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.crypto import KEYRING
from storage.database import Database
from storage.direct import Direct, NotDirect, Prepared
from storage.models import ForgottenPerson, Member, ProcessedEvent, TipShown, Workspace


def person_digest(*, workspace_id: int, user: str) -> str:
    """The one-way form in which someone who asked to be forgotten is remembered.

    Keyed with the server's data key, so holding a person's id and a dump of the
    database is not enough to tell whether they asked.
    """
    return KEYRING.digest(f"{workspace_id}:{user}", purpose="forgotten")


def person_digests(*, workspace_id: int, user: str) -> list[str]:
    """Every form a person's digest may still be stored in, the current one first.

    Older keys (during a rotation) and the plain SHA-256 written before digests
    were keyed: a digest cannot be re-keyed without the id, so old rows are
    recognised here and replaced by the current form when the person is next seen.
    """
    message = f"{workspace_id}:{user}"
    older = [key.digest(message, purpose="forgotten") for key in KEYRING.older]
    legacy = hashlib.sha256(message.encode()).hexdigest()
    return [person_digest(workspace_id=workspace_id, user=user), *older, legacy]


@dataclass(frozen=True, slots=True)
class Scope:
    """The workspace and member a request acts for, as database ids."""

    workspace_id: int
    member_id: int


def upsert_insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    # SQLAlchemy spells ON CONFLICT per dialect.
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# The statements every command runs, built once. Building a statement and working out
# its cache key cost about three times as much as running it on SQLite; a statement
# kept here is compiled once and only bound to new values (see bench/README.md).
_SCOPE = (
    select(Workspace.id, Member.id)
    .outerjoin(
        Member,
        (Member.workspace_id == Workspace.id) & (Member.external_id == bindparam("user")),
    )
    .where(
        Workspace.platform == bindparam("platform"), Workspace.external_id == bindparam("workspace")
    )
)
_OF_MEMBER = (
    TipShown.workspace_id == bindparam("workspace_id"),
    TipShown.member_id == bindparam("member_id"),
)
_TIP_CYCLE = (
    select(TipShown.cycle, TipShown.tip_id)
    .where(
        *_OF_MEMBER,
        TipShown.cycle == select(func.max(TipShown.cycle)).where(*_OF_MEMBER).scalar_subquery(),
    )
    .order_by(TipShown.id)
)
_LOCK_MEMBER = select(Member.id).where(Member.id == bindparam("member_id")).with_for_update()
# A returning member found and locked in one statement (PostgreSQL's tip).
_LOCKED_SCOPE = (
    select(Workspace.id, Member.id)
    .join(Member, Member.workspace_id == Workspace.id)
    .where(
        Workspace.platform == bindparam("platform"),
        Workspace.external_id == bindparam("workspace"),
        Member.external_id == bindparam("user"),
    )
    .with_for_update(of=Member)
)
_TIP_SHOWN = insert(TipShown)
_KNOWN_WORKSPACE = select(Workspace.id).where(
    Workspace.platform == bindparam("platform"), Workspace.external_id == bindparam("workspace")
)
_EVENT_COLUMNS = ProcessedEvent.__table__.c


def _claim(insert: Callable[..., Any]) -> Any:
    """INSERT a request's digest under its workspace's id, looked up in the same statement."""
    return (
        insert(ProcessedEvent)
        .from_select(
            ["workspace_id", "event_id", "received_at"],
            _KNOWN_WORKSPACE.add_columns(
                bindparam("event_id", type_=_EVENT_COLUMNS.event_id.type),
                bindparam("received_at", type_=_EVENT_COLUMNS.received_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "event_id"])
        .returning(ProcessedEvent.id)
    )


_CLAIM = {"postgresql": _claim(pg_insert), "sqlite": _claim(sqlite_insert)}


async def _ensure_workspace(
    session: AsyncSession, *, platform: str, external_id: str, now: datetime
) -> int:
    insert = upsert_insert(session)
    await session.execute(
        insert(Workspace)
        .values(platform=platform, external_id=external_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
    )
    found = await session.scalar(
        select(Workspace.id).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
    )
    assert found is not None
    return found


async def ensure_scope(
    session: AsyncSession, *, platform: str, workspace: str, user: str, now: datetime
) -> Scope:
    """Find or create the workspace and member rows; safe under concurrent first use.

    Every request passes through here, so the common case (both rows exist) is
    a single query; the inserts only run the first time someone is seen.
    """
    connection = await session.connection()
    found = (
        await connection.execute(
            _SCOPE, {"user": user, "platform": platform, "workspace": workspace}
        )
    ).first()
    if found is not None and found[1] is not None:
        return Scope(workspace_id=found[0], member_id=found[1])
    workspace_id = (
        found[0]
        if found is not None
        else await _ensure_workspace(session, platform=platform, external_id=workspace, now=now)
    )
    insert = upsert_insert(session)
    await session.execute(
        insert(Member)
        .values(workspace_id=workspace_id, external_id=user, created_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "external_id"])
    )
    member_id = await session.scalar(
        select(Member.id).where(Member.workspace_id == workspace_id, Member.external_id == user)
    )
    assert member_id is not None
    # New here, or back after forget-me: passive sources may include them again.
    await session.execute(
        delete(ForgottenPerson).where(
            ForgottenPerson.workspace_id == workspace_id,
            ForgottenPerson.digest.in_(person_digests(workspace_id=workspace_id, user=user)),
        )
    )
    return Scope(workspace_id=workspace_id, member_id=member_id)


@dataclass(frozen=True, slots=True)
class TipCycle:
    """Where a member is in their pass through the tips."""

    number: int
    seen: frozenset[str]
    last_shown: str | None


async def tip_cycle(session: AsyncSession, *, scope: Scope) -> TipCycle:
    """The member's current cycle: which tips it has shown and the latest one.

    It locks the member's row until the transaction ends, so the caller can choose and
    record the next tip before anyone else reads the cycle: two `tip`s at once (a double
    press, two processes) would otherwise both pick from the same unseen tips.
    """
    connection = await session.connection()
    member = {"workspace_id": scope.workspace_id, "member_id": scope.member_id}
    if connection.dialect.name == "postgresql":
        # A lock on the member, not on their history: an empty new round has no rows to
        # lock. SQLite has no row locks: there the caller's transaction has written
        # first (the direct path's BEGIN IMMEDIATE, or a new member's insert), which
        # holds SQLite's one write lock until the pick is recorded.
        await connection.execute(_LOCK_MEMBER, member)
    rows = (await connection.execute(_TIP_CYCLE, member)).all()
    return _cycle_of([(cycle, tip) for cycle, tip in rows])


_EARLIER = aliased(TipShown)
# The scope and the member's current round in one statement, for SQLite, which has no
# row locks (its one write lock is taken first): the tip is the command most people use.
_SCOPED_TIP_CYCLE = (
    select(Workspace.id, Member.id, TipShown.cycle, TipShown.tip_id)
    .outerjoin(
        Member,
        (Member.workspace_id == Workspace.id) & (Member.external_id == bindparam("user")),
    )
    .outerjoin(
        TipShown,
        (TipShown.workspace_id == Workspace.id)
        & (TipShown.member_id == Member.id)
        & (
            TipShown.cycle
            == select(func.max(_EARLIER.cycle))
            .where(_EARLIER.workspace_id == Workspace.id, _EARLIER.member_id == Member.id)
            .scalar_subquery()
        ),
    )
    .where(
        Workspace.platform == bindparam("platform"), Workspace.external_id == bindparam("workspace")
    )
    .order_by(TipShown.id)
)


async def scoped_tip_cycle(
    session: AsyncSession, *, platform: str, workspace: str, user: str, now: datetime
) -> tuple[Scope, TipCycle]:
    """`ensure_scope` and `tip_cycle` together. For someone seen before: on SQLite one
    statement; on PostgreSQL two, the first finding and locking the member, so that the
    cycle read next stays theirs until the pick is written."""
    connection = await session.connection()
    names = {"user": user, "platform": platform, "workspace": workspace}
    if connection.dialect.name == "sqlite":
        known = _known_member_cycle((await connection.execute(_SCOPED_TIP_CYCLE, names)).all())
        if known is not None:
            return known
    else:
        locked = (await connection.execute(_LOCKED_SCOPE, names)).first()
        if locked is not None:
            scope = Scope(workspace_id=locked[0], member_id=locked[1])
            member = {"workspace_id": scope.workspace_id, "member_id": scope.member_id}
            cycle = (await connection.execute(_TIP_CYCLE, member)).all()
            return scope, _cycle_of([(number, tip) for number, tip in cycle])
    scope = await ensure_scope(session, platform=platform, workspace=workspace, user=user, now=now)
    return scope, await tip_cycle(session, scope=scope)


def _known_member_cycle(rows: Sequence[Sequence[Any]]) -> tuple[Scope, TipCycle] | None:
    """`_SCOPED_TIP_CYCLE`'s rows as a scope and a cycle; None for someone not yet a member."""
    if not rows or rows[0][1] is None:
        return None
    scope = Scope(workspace_id=rows[0][0], member_id=rows[0][1])
    return scope, _cycle_of([(cycle, tip) for _, _, cycle, tip in rows if tip is not None])


def _cycle_of(rows: list[tuple[int, str]]) -> TipCycle:
    if not rows:
        return TipCycle(number=0, seen=frozenset(), last_shown=None)
    return TipCycle(
        number=rows[-1][0], seen=frozenset(tip for _, tip in rows), last_shown=rows[-1][1]
    )


_DIRECT_TIP_CYCLE = Prepared(_SCOPED_TIP_CYCLE)
_DIRECT_TIP_SHOWN = Prepared(
    _TIP_SHOWN, columns=("workspace_id", "member_id", "tip_id", "cycle", "shown_at")
)
ChooseTip = Callable[[TipCycle], tuple[str, int]]  # the cycle -> the tip's id and its cycle


async def show_tip(
    database: Database,
    *,
    platform: str,
    workspace: str,
    user: str,
    now: datetime,
    choose: ChooseTip,
) -> tuple[TipCycle, str, int]:
    """Read the member's cycle, let `choose` pick, record the pick: one transaction.

    A returning member on SQLite takes the direct path (storage/direct.py); anyone new,
    and PostgreSQL (which locks the member first), go through a session. Returns the
    cycle as it was read, and the chosen tip's id and cycle number.
    """
    try:
        async with database.direct() as tx:
            scope, cycle = await _direct_tip_cycle(
                tx, platform=platform, workspace=workspace, user=user
            )
            tip_id, number = choose(cycle)
            await tx.rows(_DIRECT_TIP_SHOWN, _shown(scope, tip_id=tip_id, cycle=number, now=now))
            return cycle, tip_id, number
    except NotDirect:
        pass
    async with database.transaction() as session:
        scope, cycle = await scoped_tip_cycle(
            session, platform=platform, workspace=workspace, user=user, now=now
        )
        tip_id, number = choose(cycle)
        await record_tip_shown(session, scope=scope, tip_id=tip_id, cycle=number, now=now)
    return cycle, tip_id, number


async def _direct_tip_cycle(
    tx: Direct, *, platform: str, workspace: str, user: str
) -> tuple[Scope, TipCycle]:
    rows = await tx.rows(
        _DIRECT_TIP_CYCLE, {"user": user, "platform": platform, "workspace": workspace}
    )
    known = _known_member_cycle(rows)
    if known is None:
        raise NotDirect("a workspace or member seen for the first time")
    return known


def _shown(scope: Scope, *, tip_id: str, cycle: int, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": scope.workspace_id,
        "member_id": scope.member_id,
        "tip_id": tip_id,
        "cycle": cycle,
        "shown_at": now,
    }


async def record_tip_shown(
    session: AsyncSession, *, scope: Scope, tip_id: str, cycle: int, now: datetime
) -> None:
    # A plain INSERT: the hottest write in the bot needs no unit-of-work bookkeeping.
    connection = await session.connection()
    await connection.execute(_TIP_SHOWN, _shown(scope, tip_id=tip_id, cycle=cycle, now=now))


async def claim_event(
    session: AsyncSession, *, platform: str, workspace: str, event_id: str, now: datetime
) -> bool:
    """Record an Events API delivery; False when it was already handled (a retry)."""
    workspace_id = await _ensure_workspace(
        session, platform=platform, external_id=workspace, now=now
    )
    insert = upsert_insert(session)
    result = await session.execute(
        insert(ProcessedEvent)
        .values(workspace_id=workspace_id, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "event_id"])
        .returning(ProcessedEvent.id)
    )
    return result.scalar_one_or_none() is not None


REQUEST_PREFIX = "request:"
_DIRECT_CLAIM = Prepared(_CLAIM["sqlite"])


async def claim_request(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    digest: str,
    now: datetime,
    keep: timedelta,
) -> bool:
    """Record a signed request by its digest; False when the same request came before.

    Every signed command passes through here, in its own first transaction, so the usual
    case (a known workspace, a new request) is one statement: the digest inserted with
    the workspace's id looked up in the same INSERT. Only when that inserts nothing (a
    replay, or a workspace never seen) does it find or create the workspace and try
    again, which tells the two apart.

    A signature is only accepted for a few minutes, so older digests can never
    match again; they are dropped, in the workspace the request came from, by about
    one request in 256 (digests are uniform), which keeps the table small without
    a second statement on every request.
    """
    event_id = (REQUEST_PREFIX + digest)[:64]
    if digest.startswith("00"):
        known = _KNOWN_WORKSPACE.params(platform=platform, workspace=workspace)
        await session.execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.workspace_id == known.scalar_subquery(),
                ProcessedEvent.event_id.startswith(REQUEST_PREFIX, autoescape=True),
                ProcessedEvent.received_at < now - keep,
            )
        )
    connection = await session.connection()
    claimed = await connection.execute(
        _CLAIM[connection.dialect.name],
        {"platform": platform, "workspace": workspace, "event_id": event_id, "received_at": now},
    )
    if claimed.scalar_one_or_none() is not None:
        return True
    workspace_id = await _ensure_workspace(
        session, platform=platform, external_id=workspace, now=now
    )
    again = await session.execute(
        upsert_insert(session)(ProcessedEvent)
        .values(workspace_id=workspace_id, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id", "event_id"])
        .returning(ProcessedEvent.id)
    )
    return again.scalar_one_or_none() is not None


async def claim_request_directly(
    tx: Direct, *, platform: str, workspace: str, digest: str, now: datetime
) -> None:
    """`claim_request`'s usual case (a known workspace, a new request) as the direct
    transaction's first statement; `NotDirect` for anything else, including the
    clean-up that one request in 256 does."""
    if digest.startswith("00"):
        raise NotDirect("old digests to drop")
    claimed = await tx.rows(
        _DIRECT_CLAIM,
        {
            "platform": platform,
            "workspace": workspace,
            "event_id": (REQUEST_PREFIX + digest)[:64],
            "received_at": now,
        },
    )
    if not claimed:
        raise NotDirect("a replay, or a workspace seen for the first time")


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkspaceAddress:
    """Where a workspace lives: its platform and its id there (Slack team, Teams tenant)."""

    platform: str
    external_id: str


async def workspace_address(session: AsyncSession, *, workspace_id: int) -> WorkspaceAddress | None:
    """A workspace's platform and external id, or None once it is gone."""
    found = (
        await session.execute(
            select(Workspace.platform, Workspace.external_id).where(Workspace.id == workspace_id)
        )
    ).first()
    return None if found is None else WorkspaceAddress(platform=found[0], external_id=found[1])
