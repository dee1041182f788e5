"""The outbox: every due post is written once, then sent and marked.

Planning inserts with ON CONFLICT DO NOTHING on a unique key, so replaying a
window (after a restart, or from a second scheduler) adds nothing. Sending
claims rows with FOR UPDATE SKIP LOCKED on PostgreSQL, so several senders
never take the same row; SQLite has a single writer anyway.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Member, OutboxMessage, SchedulerState, Workspace
from storage.repositories import upsert_insert

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"


class OutboxRow(Protocol):
    """An outbox row as a composer reads it: composing never changes the row."""

    @property
    def id(self) -> int: ...
    @property
    def workspace_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def member_id(self) -> int | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def due_at(self) -> datetime: ...


async def enqueue(
    session: AsyncSession,
    *,
    workspace_id: int,
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    member_id: int | None = None,
    status: str = PENDING,
) -> bool:
    """Add a due message unless its key exists; True when it was new."""
    insert = upsert_insert(session)
    result = await session.execute(
        insert(OutboxMessage)
        .values(
            workspace_id=workspace_id,
            key=key,
            kind=kind,
            target=target,
            member_id=member_id,
            payload=payload,
            due_at=due_at,
            status=status,
            attempts=0,
            next_attempt_at=max(due_at, now) if status == PENDING else now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    return result.scalar_one_or_none() is not None


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    holding: Collection[int] = (),
) -> Sequence[OutboxMessage]:
    """Take pending rows whose time has come (and sends whose lease ran out), oldest first.

    Claimed rows are marked `sending` until `now + lease`; the caller commits at
    once, sends outside the transaction and renews the lease while it still holds
    rows. A sender that dies mid-send leaves its rows to be taken again when the
    lease ends: the one window in which a post can be doubled, kept as short as a
    send. `holding` are the caller's own rows still in flight, never taken twice
    even if their lease has lapsed (a stalled heartbeat).
    """
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if holding:
        query = query.where(OutboxMessage.id.not_in(list(holding)))
    rows = (await session.scalars(query)).all()
    for row in rows:
        row.status = SENDING
        row.next_attempt_at = now + lease
    await session.flush()
    return rows


async def renew_leases(session: AsyncSession, *, row_ids: Collection[int], until: datetime) -> None:
    """Extend the lease of rows a live sender still holds, so nobody else takes them."""
    ids = sorted(row_ids)
    for start in range(0, len(ids), CHUNK):
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids[start : start + CHUNK]), OutboxMessage.status == SENDING
            )
            .values(next_attempt_at=until)
        )


async def members_of(session: AsyncSession, *, rows: Sequence[OutboxMessage]) -> dict[int, Member]:
    """The people the claimed rows are addressed to, by id: one query for a whole batch."""
    ids = {r.member_id for r in rows if r.member_id is not None}
    if not ids:
        return {}
    found = await session.scalars(select(Member).where(Member.id.in_(ids)))
    return {m.id: m for m in found}


async def platform_of(session: AsyncSession, *, workspace_ids: Collection[int]) -> dict[int, str]:
    """Which platform (`slack`, `teams`, `console`) each of these workspaces lives on."""
    rows = await session.execute(
        select(Workspace.id, Workspace.platform).where(Workspace.id.in_(set(workspace_ids)))
    )
    return {workspace_id: platform for workspace_id, platform in rows}


# Built once: a fan-out marks thousands of rows, and building the statement each time
# cost more than running it.
_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("row"))
    .values(
        status=SENT,
        sent_at=bindparam("when", type_=OutboxMessage.__table__.c.sent_at.type),
        sent_ref=bindparam("ref", type_=OutboxMessage.__table__.c.sent_ref.type),
        attempts=OutboxMessage.attempts + 1,
    )
)


async def mark_sent(session: AsyncSession, *, row_id: int, now: datetime, ref: str | None) -> None:
    """One UPDATE with no row loaded first: the common case of a fan-out."""
    connection = await session.connection()
    await connection.execute(_MARK_SENT, {"row": row_id, "when": now, "ref": ref})


async def mark_skipped(session: AsyncSession, *, row_id: int, now: datetime, why: str) -> bool:
    """Record that a row will not be sent, and why; False if it was erased meanwhile."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return False
    row.status = SKIPPED
    row.sent_at = now
    row.last_error = why[:200]
    return True


async def release(session: AsyncSession, *, row_id: int, until: datetime) -> None:
    """Give a claimed row back until `until` without counting an attempt: the person's
    quiet hours, not a failure."""
    row = await session.get(OutboxMessage, row_id)
    if row is not None:
        row.status = PENDING
        row.next_attempt_at = until


async def mark_failed(
    session: AsyncSession,
    *,
    row_id: int,
    now: datetime,
    error: str,
    max_attempts: int,
    backoff: timedelta,
) -> OutboxMessage | None:
    """Record a failed attempt: tried again later with growing delays, or FAILED for good
    after `max_attempts`. The row as it now stands, or None if it was erased meanwhile."""
    row = await session.get(OutboxMessage, row_id)
    if row is None:
        return None
    row.attempts += 1
    row.last_error = error[:200]
    if row.attempts >= max_attempts:
        row.status = FAILED
    else:
        row.status = PENDING
        row.next_attempt_at = now + backoff * (2 ** (row.attempts - 1))
    return row


async def next_due(session: AsyncSession) -> datetime | None:
    """When the sender next has work, so the clock can sleep until then."""
    found: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((PENDING, SENDING))
        )
    )
    return found


async def planned_until(session: AsyncSession) -> datetime | None:
    state = await session.get(SchedulerState, 1)
    return state.planned_until if state else None


async def set_planned_until(session: AsyncSession, *, when: datetime) -> None:
    state = await session.get(SchedulerState, 1)
    if state is None:
        session.add(SchedulerState(id=1, planned_until=when))
    elif when > state.planned_until:
        state.planned_until = when


async def sent_ref(session: AsyncSession, *, key: str) -> str | None:
    """The platform's id (Slack ts) of a sent post, so it can be updated later."""
    found: str | None = await session.scalar(
        select(OutboxMessage.sent_ref).where(OutboxMessage.key == key)
    )
    return found


CHUNK = 500  # rows per statement: well inside SQLite's and asyncpg's parameter limits


async def existing_keys(session: AsyncSession, *, keys: Sequence[str]) -> set[str]:
    """Which of these keys the outbox already holds."""
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        found.update(
            await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))
        )
    return found


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedPost:
    """A post the planner owes: pending from `next_attempt_at`, or recorded as skipped."""

    workspace_id: int
    key: str
    kind: str
    target: str
    member_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    status: str
    next_attempt_at: datetime


async def enqueue_many(session: AsyncSession, *, posts: Sequence[PlannedPost]) -> None:
    """Insert many due messages at once; a key already present is left as it is.

    One statement on the table, executed with many parameter sets: compiled once
    and cached, where a multi-row VALUES built per chunk was compiled afresh each
    time (about 0.3 ms a row, most of a plan's time in a fan-out of 6,000).
    """
    if not posts:
        return
    statement = upsert_insert(session)(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["key"]
    )
    for start in range(0, len(posts), CHUNK):
        await session.execute(
            statement, [_planned_row(post) for post in posts[start : start + CHUNK]]
        )


def _planned_row(post: PlannedPost) -> dict[str, Any]:
    return {
        "workspace_id": post.workspace_id,
        "key": post.key,
        "kind": post.kind,
        "target": post.target,
        "member_id": post.member_id,
        "payload": post.payload,
        "due_at": post.due_at,
        "status": post.status,
        "attempts": 0,
        "next_attempt_at": post.next_attempt_at,
    }


# The one scheduler is elected with a PostgreSQL advisory lock on this key: any fixed
# 64-bit number, naming the "ccpl scheduler" lock.
SCHEDULER_LOCK = 0x0CC91B07


async def try_leader_lock(conn: AsyncConnection) -> bool:
    """Take the scheduler lock on this connection if no other holds it.

    The lock belongs to the connection, not a transaction: the caller keeps the
    connection open for as long as it leads, and PostgreSQL frees the lock if it dies.
    """
    got = await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK})
    return bool(got.scalar_one())


async def holds_leader_lock(conn: AsyncConnection) -> bool:
    """Whether this connection still holds the scheduler lock: a round trip that
    fails if the server restarted or the connection dropped."""
    # A bigint key shows in pg_locks as classid (high 32 bits), objid (low), objsubid 1.
    got = await conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
            " AND (classid::bigint << 32 | objid::bigint) = :key)"
        ),
        {"key": SCHEDULER_LOCK},
    )
    return bool(got.scalar_one())


async def release_leader_lock(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK})


async def scheduler_elected(session: AsyncSession) -> bool:
    """Whether any process holds the scheduler lock now (PostgreSQL), for operators."""
    got = await session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND granted AND objsubid = 1"
            " AND (classid::bigint << 32 | objid::bigint) = :key)"
        ),
        {"key": SCHEDULER_LOCK},
    )
    return bool(got.scalar_one())


@dataclass(frozen=True, kw_only=True, slots=True)
class Backlog:
    """Rows due and not yet sent, across workspaces: counts only, for operators."""

    depth: int
    oldest_due: datetime | None


async def backlog(session: AsyncSession, *, now: datetime) -> Backlog:
    """How many rows are due and unsent, and when the oldest fell due."""
    depth, oldest = (
        await session.execute(
            select(func.count(), func.min(OutboxMessage.due_at)).where(
                OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.due_at <= now
            )
        )
    ).one()
    return Backlog(depth=depth, oldest_due=oldest)
