"""Polls and their ballots, always within one workspace.

A named poll's ballot is `member:<id>`. An anonymous poll's ballot is an
HMAC, under the server's data key (kept outside the database), of the poll's
own salt and the voter's platform ids: enough to refuse a second vote, and no
more. A dump alone links nothing, since the salt without the key recomputes no
ballot; the running server could, while the poll is open. Closing erases the
salt and re-keys the ballots at random, so afterwards nobody can tell whose
ballot is whose.

A ballot is never written in the same transaction as a write naming the voter
(on PostgreSQL rows written together share a transaction id, `xmin`); the
handler creates a first-time voter's member row in a transaction of its own.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import KEYRING
from storage.models import Member, PollVote
from storage.models import Poll as PollRow
from storage.repositories import Scope

SALT_BYTES = 32  # 64 hex characters: the width of Poll.salt and PollVote.ballot


@dataclass(frozen=True, kw_only=True, slots=True)
class Poll:
    """A poll as read at one moment; change it only through this module."""

    id: int
    workspace_id: int
    member_id: int
    channel: str
    question: str
    options: tuple[str, ...]
    anonymous: bool
    # Keys an anonymous poll's ballots while it is open; None once it has closed.
    salt: str | None
    closed: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class NewPoll:
    """What someone asked for: the question, its options, and whether votes are anonymous."""

    channel: str
    question: str
    options: tuple[str, ...]
    anonymous: bool


def _read(row: PollRow) -> Poll:
    return Poll(
        id=row.id,
        workspace_id=row.workspace_id,
        member_id=row.member_id,
        channel=row.channel,
        question=row.question,
        options=tuple(row.options),
        anonymous=row.anonymous,
        salt=row.salt,
        closed=row.closed,
    )


async def add_poll(session: AsyncSession, *, scope: Scope, poll: NewPoll, now: datetime) -> Poll:
    """A new open poll started by the scope's member; an anonymous one gets its own salt."""
    row = PollRow(
        workspace_id=scope.workspace_id,
        member_id=scope.member_id,
        channel=poll.channel,
        question=poll.question,
        options=list(poll.options),
        anonymous=poll.anonymous,
        salt=secrets.token_hex(SALT_BYTES) if poll.anonymous else None,
        closed=False,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _read(row)


async def get_poll(
    session: AsyncSession, *, workspace_id: int, poll_id: int, lock: bool = False
) -> Poll | None:
    """One poll; `lock` holds its row so votes and closing on one poll take turns.

    Taking turns is what keeps each vote's count complete on PostgreSQL, and a
    double click from one person from racing itself into two inserts.
    """
    query = select(PollRow).where(PollRow.workspace_id == workspace_id, PollRow.id == poll_id)
    found: PollRow | None = await session.scalar(query.with_for_update() if lock else query)
    return None if found is None else _read(found)


def named_ballot(*, member_id: int) -> str:
    return f"member:{member_id}"


def anonymous_ballot(*, salt: str, workspace: str, user: str) -> str:
    """A one-way token for this voter in this poll, with no member id in it.

    Keyed with the server's key, so the salt in a dump and a person's ids are
    not enough to find their ballot.
    """
    return KEYRING.digest(f"{salt}:{workspace}:{user}", purpose="poll-ballot")


async def ballot_choice(session: AsyncSession, *, poll: Poll, ballot: str) -> int | None:
    found: int | None = await session.scalar(
        select(PollVote.choice).where(
            PollVote.workspace_id == poll.workspace_id,
            PollVote.poll_id == poll.id,
            PollVote.ballot == ballot,
        )
    )
    return found


async def cast_vote(
    session: AsyncSession, *, poll: Poll, ballot: str, member_id: int | None, choice: int
) -> int | None:
    """Record or change a ballot; returns the choice it had before, if any."""
    found: PollVote | None = await session.scalar(
        select(PollVote).where(
            PollVote.workspace_id == poll.workspace_id,
            PollVote.poll_id == poll.id,
            PollVote.ballot == ballot,
        )
    )
    before = None if found is None else found.choice
    if poll.anonymous:
        await _rewrite_anonymous(session, poll=poll, change=(ballot, choice))
        return before
    if found is None:
        session.add(
            PollVote(
                poll_id=poll.id,
                ballot=ballot,
                workspace_id=poll.workspace_id,
                member_id=member_id,
                choice=choice,
            )
        )
    else:
        found.choice = choice
    await session.flush()
    return before


async def _rewrite_anonymous(
    session: AsyncSession, *, poll: Poll, change: tuple[str, int] | None = None, fresh: bool = False
) -> None:
    """Write all of an anonymous poll's ballots again, in shuffled order, with `change` applied.

    Rows keep traces of when they were written: SQLite's hidden rowid follows
    insertion order, PostgreSQL's `xmin` names the writing transaction. Matched
    with the order in which members first appeared, either could point at whose
    ballot is whose; written again together, every ballot carries the same
    transaction and a random place. `fresh` also replaces every token at random.
    """
    where = (PollVote.workspace_id == poll.workspace_id, PollVote.poll_id == poll.id)
    found = await session.execute(select(PollVote.ballot, PollVote.choice).where(*where))
    ballots = {ballot: choice for ballot, choice in found}
    if change is not None:
        ballots[change[0]] = change[1]
    rows = [
        (secrets.token_hex(SALT_BYTES) if fresh else ballot, choice)
        for ballot, choice in ballots.items()
    ]
    secrets.SystemRandom().shuffle(rows)
    await session.execute(delete(PollVote).where(*where))
    if rows:
        await session.execute(
            insert(PollVote),
            [
                {
                    "poll_id": poll.id,
                    "ballot": ballot,
                    "workspace_id": poll.workspace_id,
                    "member_id": None,
                    "choice": choice,
                }
                for ballot, choice in rows
            ],
        )
    await session.flush()


async def vote_counts(session: AsyncSession, *, poll: Poll) -> list[int]:
    """Votes per option, in the options' order."""
    rows = await session.execute(
        select(PollVote.choice, func.count())
        .where(PollVote.workspace_id == poll.workspace_id, PollVote.poll_id == poll.id)
        .group_by(PollVote.choice)
    )
    counts = [0] * len(poll.options)
    for choice, count in rows.all():
        if 0 <= choice < len(counts):
            counts[choice] = count
    return counts


async def close_poll(session: AsyncSession, *, scope: Scope, poll: Poll) -> Poll:
    """Close, erase the salt, and give anonymous ballots fresh random tokens.

    Without the salt the tokens cannot be recomputed from anyone's ids; writing
    them again in shuffled order in one transaction also drops the insertion
    order (and, on PostgreSQL, the per-vote transaction ids) that could hint at
    when each ballot was cast.
    """
    await session.execute(
        update(PollRow)
        .where(PollRow.workspace_id == scope.workspace_id, PollRow.id == poll.id)
        .values(closed=True, salt=None)
    )
    if poll.anonymous:
        await _rewrite_anonymous(session, poll=poll, fresh=True)
    await session.flush()
    return dataclasses.replace(poll, closed=True, salt=None)


async def poll_viewers(session: AsyncSession, *, poll: Poll) -> list[str]:
    """The platform user id of the poll's creator: whom a shared post shows their own
    view, with the controls, unasked. Voters are not listed: every client in the
    channel receives the card, and the list would say who voted."""
    creator = await session.scalar(
        select(Member.external_id).where(
            Member.workspace_id == poll.workspace_id, Member.id == poll.member_id
        )
    )
    return [creator] if creator else []


async def named_votes(session: AsyncSession, *, poll: Poll) -> list[tuple[str, int]]:
    """Each voter's platform user id and choice, for a named poll's export."""
    rows = await session.execute(
        select(Member.external_id, PollVote.choice)
        .join(Member, Member.id == PollVote.member_id)
        .where(PollVote.workspace_id == poll.workspace_id, PollVote.poll_id == poll.id)
        .order_by(PollVote.choice, Member.external_id)
    )
    return [(user, choice) for user, choice in rows.all()]


async def forget_ballots(
    session: AsyncSession, *, workspace_id: int, workspace: str, user: str
) -> None:
    """Remove a forgotten person's ballots from open anonymous polls.

    Their named ballots go with their member id; these carry none, but while a
    poll is open the server could still recompute them from the person's ids.
    """
    open_polls = await session.execute(
        select(PollRow.id, PollRow.salt).where(
            PollRow.workspace_id == workspace_id,
            PollRow.anonymous.is_(True),
            PollRow.salt.is_not(None),
        )
    )
    for poll_id, salt in open_polls.all():
        if salt is None:
            continue
        await session.execute(
            delete(PollVote).where(
                PollVote.workspace_id == workspace_id,
                PollVote.poll_id == poll_id,
                PollVote.ballot == anonymous_ballot(salt=salt, workspace=workspace, user=user),
            )
        )
