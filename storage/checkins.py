"""Check-ins: who was invited when, and that a round has closed. Never what anyone answered,
and never who answered.

A thread shows who answered by name. If an invitation said "answered", a reader of
the database could subtract the named posts and find the anonymous author. So a
response (named, anonymous, "not now" or "don't ask again") leaves the invitation
row exactly as it was: `pending`, like one never answered. What stops a second
response is a row in `checkin_responses` holding only a token, an HMAC of the
invitation's id under the server's data key: without that key, a dump cannot tell
which invitation a token belongs to. A round (the invitations of one `check-in`,
sent at one instant) takes responses for `ROUND_OPEN`; when it closes every one of
its invitations becomes `closed` and its tokens are deleted, so afterwards not even
the key links anything. The 30-day cooldown reads only `sent_at`, so it is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import KEYRING
from storage.models import CheckIn as CheckInRow
from storage.models import CheckInResponse, Member, OutboxMessage
from storage.repositories import Scope, upsert_insert

PENDING = "pending"
RESPONDED = "responded"  # read only: worked out from a token, never stored on the row
CLOSED = "closed"

# How long a round takes responses before every invitation in it is closed alike.
ROUND_OPEN = timedelta(days=7)


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckIn:
    """One invitation as read at one moment: where it points and whether it is open."""

    id: int
    channel: str
    thread: str | None
    prompt: str
    status: str


def _tokens(*, workspace_id: int, checkin_id: int) -> list[str]:
    """The invitation's response token under the current key, then under older ones."""
    message = f"{workspace_id}:{checkin_id}"
    keys = (KEYRING.key(), *KEYRING.older)
    return [key.digest(message, purpose="checkin-response") for key in keys]


async def _responded(session: AsyncSession, *, rows: Sequence[CheckInRow]) -> set[int]:
    """Which of these open invitations already had their one response."""
    by_token = {
        token: row.id
        for row in rows
        if row.status == PENDING
        for token in _tokens(workspace_id=row.workspace_id, checkin_id=row.id)
    }
    if not by_token:
        return set()
    found = await session.scalars(
        select(CheckInResponse.token).where(CheckInResponse.token.in_(list(by_token)))
    )
    return {by_token[t] for t in found}


async def _read(session: AsyncSession, row: CheckInRow) -> CheckIn:
    responded = row.id in await _responded(session, rows=[row])
    return CheckIn(
        id=row.id,
        channel=row.channel,
        thread=row.thread,
        prompt=row.prompt,
        status=RESPONDED if responded else row.status,
    )


@dataclass(frozen=True, slots=True)
class Invitee:
    member_id: int
    user: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    invite: list[Invitee]
    recently_asked: int
    opted_out: int


async def eligible(
    session: AsyncSession, *, workspace_id: int, users: Sequence[str], asked_since: datetime
) -> Eligibility:
    """Of these users, who may be invited: not opted out, not asked since `asked_since`."""
    if not users:
        return Eligibility(invite=[], recently_asked=0, opted_out=0)
    # Two facilitators sending at once would both read "not asked lately" before either
    # wrote. Locking the members first (in id order, so senders never deadlock) makes the
    # second wait; its next statement then sees the first one's invitations.
    await session.execute(
        select(Member.id)
        .where(Member.workspace_id == workspace_id, Member.external_id.in_(users))
        .order_by(Member.id)
        .with_for_update()
    )
    recent = select(CheckInRow.member_id).where(
        CheckInRow.workspace_id == workspace_id, CheckInRow.sent_at >= asked_since
    )
    rows = await session.execute(
        select(Member.id, Member.external_id, Member.checkins_opt_out, Member.id.in_(recent))
        .where(Member.workspace_id == workspace_id, Member.external_id.in_(users))
        .order_by(Member.external_id)
    )
    invite: list[Invitee] = []
    asked = opted = 0
    for member_id, user, opted_out, was_asked in rows:
        if opted_out:
            opted += 1
        elif was_asked:
            asked += 1
        else:
            invite.append(Invitee(member_id=member_id, user=user))
    return Eligibility(invite=invite, recently_asked=asked, opted_out=opted)


async def add_checkin(
    session: AsyncSession,
    *,
    workspace_id: int,
    member_id: int,
    channel: str,
    thread: str | None,
    prompt: str,
    now: datetime,
) -> CheckIn:
    row = CheckInRow(
        workspace_id=workspace_id,
        member_id=member_id,
        channel=channel,
        thread=thread,
        prompt=prompt[:500],
        sent_at=now,
        status=PENDING,
    )
    session.add(row)
    await session.flush()
    return CheckIn(id=row.id, channel=channel, thread=thread, prompt=row.prompt, status=PENDING)


def _own(scope: Scope, checkin_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        CheckInRow.id == checkin_id,
        CheckInRow.workspace_id == scope.workspace_id,
        CheckInRow.member_id == scope.member_id,
    )


async def checkin_of(session: AsyncSession, *, scope: Scope, checkin_id: int) -> CheckIn | None:
    """The member's own check-in; another person's id finds nothing."""
    found: CheckInRow | None = await session.scalar(
        select(CheckInRow).where(*_own(scope, checkin_id))
    )
    return None if found is None else await _read(session, found)


async def get_checkin(
    session: AsyncSession, *, workspace_id: int, checkin_id: int
) -> CheckIn | None:
    found: CheckInRow | None = await session.scalar(
        select(CheckInRow).where(
            CheckInRow.id == checkin_id, CheckInRow.workspace_id == workspace_id
        )
    )
    return None if found is None else await _read(session, found)


async def pending_checkins(session: AsyncSession, *, scope: Scope) -> Sequence[CheckIn]:
    """The member's open invitations still waiting for their response, newest first."""
    rows = list(
        await session.scalars(
            select(CheckInRow)
            .where(
                CheckInRow.workspace_id == scope.workspace_id,
                CheckInRow.member_id == scope.member_id,
                CheckInRow.status == PENDING,
            )
            .order_by(CheckInRow.sent_at.desc())
        )
    )
    done = await _responded(session, rows=rows)
    return [await _read(session, row) for row in rows if row.id not in done]


async def _respond(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """Spend the member's one response to an open invitation; False if it was spent or closed.

    The token's primary key makes two responses at once count once. The invitation
    row is not touched, so it reads like one nobody answered.
    """
    found: CheckInRow | None = await session.scalar(
        select(CheckInRow).where(*_own(scope, checkin_id), CheckInRow.status == PENDING)
    )
    if found is None or await _responded(session, rows=[found]):
        return False
    token = _tokens(workspace_id=scope.workspace_id, checkin_id=checkin_id)[0]
    insert = upsert_insert(session)
    result = await session.execute(
        insert(CheckInResponse)
        .values(token=token, workspace_id=scope.workspace_id)
        .on_conflict_do_nothing(index_elements=["token"])
        .returning(CheckInResponse.token)
    )
    return result.scalar_one_or_none() is not None


async def mark_checkin_answered(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """Answered, named or anonymous alike; False if it had already been responded to."""
    return await _respond(session, scope=scope, checkin_id=checkin_id)


async def mark_checkin_not_now(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """ "Not now" reads like an answer, so declining is no clue to who answered."""
    return await _respond(session, scope=scope, checkin_id=checkin_id)


async def decline_checkin(session: AsyncSession, *, scope: Scope, checkin_id: int) -> bool:
    """Responded, and the member asks for no more check-ins at all."""
    settled = await _respond(session, scope=scope, checkin_id=checkin_id)
    await session.execute(
        update(Member)
        .where(Member.id == scope.member_id, Member.workspace_id == scope.workspace_id)
        .values(checkins_opt_out=True)
    )
    return settled


async def close_rounds(session: AsyncSession, *, workspace_id: int, now: datetime) -> int:
    """Close every round sent `ROUND_OPEN` ago or earlier; returns how many invitations closed.

    All invitations of a round share `sent_at`, so they close together and alike,
    and their tokens go with them.
    """
    due = list(
        await session.scalars(
            select(CheckInRow.id).where(
                CheckInRow.workspace_id == workspace_id,
                CheckInRow.status == PENDING,
                CheckInRow.sent_at <= now - ROUND_OPEN,
            )
        )
    )
    if not due:
        return 0
    await session.execute(update(CheckInRow).where(CheckInRow.id.in_(due)).values(status=CLOSED))
    tokens = [t for i in due for t in _tokens(workspace_id=workspace_id, checkin_id=i)]
    await session.execute(
        delete(CheckInResponse).where(
            CheckInResponse.workspace_id == workspace_id, CheckInResponse.token.in_(tokens)
        )
    )
    return len(due)


@dataclass(frozen=True, slots=True)
class LatestPrompt:
    schedule_id: int
    number: int
    thread: str | None


async def latest_forum_prompt(
    session: AsyncSession, *, workspace_id: int, channel: str
) -> LatestPrompt | None:
    """The forum prompt most recently posted in a channel, and its thread."""
    row = (
        await session.execute(
            select(OutboxMessage.payload, OutboxMessage.sent_ref)
            .where(
                and_(
                    OutboxMessage.workspace_id == workspace_id,
                    OutboxMessage.kind == "forum_prompt",
                    OutboxMessage.target == channel,
                    OutboxMessage.status == "sent",
                )
            )
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    payload, ref = row
    return LatestPrompt(
        schedule_id=int(payload["schedule_id"]), number=int(payload.get("number", 0)), thread=ref
    )
