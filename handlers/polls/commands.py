"""Polls in a channel: vote by button, change your mind, close, results, CSV export.

The poll goes out through the outbox like a lunch announcement, so its
Slack timestamp is kept and every vote refreshes the counts on the post.
An anonymous poll keeps only a one-way token per voter (see storage.polls).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotAllowed, NotFound
from handlers.core.membership import in_channel
from handlers.core.model import Actor, Attachment, ChannelPost, Delivery, FieldValue, Reply, Section
from handlers.core.outbox import OutboxKind
from handlers.core.payloads import ID, STALE_MESSAGE, Codec, record
from handlers.core.registry import action, command
from handlers.core.roles import audit, is_facilitator
from handlers.core.text import defuse_formula, typed
from handlers.polls.posts import (
    CLOSE,
    EXPORT,
    RESULTS,
    VIEW,
    VOTE,
    outbox_key,
    poll_message,
    results,
    votes,
)
from storage import Scope
from storage.outbox import enqueue, sent_ref
from storage.polls import (
    NewPoll,
    Poll,
    add_poll,
    anonymous_ballot,
    ballot_choice,
    cast_vote,
    close_poll,
    get_poll,
    named_ballot,
    named_votes,
    poll_viewers,
    vote_counts,
)

QUESTION_LIMIT = 300
OPTION_LIMIT = 75  # Slack's button text limit
MIN_OPTIONS = 2
MAX_OPTIONS = 10
EXAMPLE = '`/ccpl poll "Which day suits the next forum?" "Tuesday" "Thursday"`'
USAGE = (
    "Put the question and each option in quotes, with 2 to 10 options:\n"
    f"{EXAMPLE}\n"
    "Add `anonymous` at the end and nobody, not even you, can see who voted for what."
)

# Slack turns typed quotes into curly ones. A closing single quote between letters
# is an apostrophe, so it is left alone rather than read as quoting.
_DOUBLE_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb", '"'))
_SINGLE_QUOTE = re.compile("\u2018|(?<!\\w)\u2019|\u2019(?!\\w)")


@dataclass(frozen=True, kw_only=True, slots=True)
class PollRequest:
    question: str
    options: tuple[str, ...]
    anonymous: bool


def _problem(message: str) -> Invalid:
    return Invalid(f"{message}\nFor example: {EXAMPLE}")


def _means_anonymous(word: str) -> bool:
    """A near miss counts too: a typo must not turn an anonymous poll into a named one."""
    bare = word.strip(".,;:!?()").casefold()
    if bare in ("anon", "anonymous", "anonymously"):
        return True
    return difflib.SequenceMatcher(None, bare, "anonymous").ratio() >= 0.85


def _check_question(question: str) -> None:
    if len(question) > QUESTION_LIMIT:
        raise _problem(
            f"Please keep the question to {QUESTION_LIMIT} characters (it has {len(question)})."
        )


def _check_options(options: list[str]) -> None:
    """Enough options, each short enough for a button, none empty or repeated."""
    if len(options) < MIN_OPTIONS:
        raise _problem("A poll needs at least two options.")
    if len(options) > MAX_OPTIONS:
        raise _problem(f"A poll can have up to {MAX_OPTIONS} options (this has {len(options)}).")
    if any(not option for option in options):
        raise _problem("One of the options is empty.")
    for option in options:
        if len(option) > OPTION_LIMIT:
            raise _problem(
                f"“{option[:30]}…” is {len(option)} characters; options must fit on a "
                f"button, {OPTION_LIMIT} at most."
            )
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise _problem(f"“{option}” is there twice; each option needs to be different.")
        seen.add(option.casefold())


def parse_poll(*, text: str) -> PollRequest | None:
    """The question, options and anonymity from what was typed; None when nothing was."""
    cleaned = _SINGLE_QUOTE.sub("'", text.translate(_DOUBLE_QUOTES)).strip()
    if not cleaned:
        return None
    if not any(q in cleaned for q in "\"'"):
        raise _problem("Please put the question and each option in quotes.")
    try:
        words = shlex.split(cleaned)
    except ValueError:
        raise _problem("I couldn't match up the quotation marks.") from None
    # Only a bare last word counts: a quoted "Anonymous" is an option people can pick.
    anonymous = bool(words) and cleaned[-1] not in "\"'" and _means_anonymous(words[-1])
    if anonymous:
        words = words[:-1]
    words = [" ".join(w.split()) for w in words]
    if not words or not words[0]:
        raise _problem("The poll needs a question.")
    question, options = words[0], words[1:]
    _check_question(question)
    _check_options(options)
    return PollRequest(question=question, options=tuple(options), anonymous=anonymous)


@command(
    name="poll",
    # Saying the poll is on its way tells the channel nothing it will not see.
    private=False,
    aliases=("polls",),
    usage='poll "Question?" "Option A" "Option B" [anonymous]',
    summary="a poll in this channel with buttons and live counts",
    order=210,
)
async def poll(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`poll "Question?" "Option A" "Option B" [anonymous]`: post a poll in this channel."""
    # Handlers get the words split on spaces; joined again, the quoting is intact
    # and only runs of spaces inside an option collapse, which nobody would miss.
    wants_help = len(args) == 1 and args[0].lower() in ("help", "?")
    request = None if wants_help else parse_poll(text=" ".join(args))
    if request is None:
        return Reply(
            text="How to start a poll",
            sections=(Section(heading="Start a poll", text=USAGE),),
        )
    if not actor.channel:
        raise NotFound("Run `/ccpl poll` in the channel where the poll should go.")
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        created = await add_poll(
            session,
            scope=scope,
            poll=NewPoll(
                channel=actor.channel,
                question=request.question,
                options=request.options,
                anonymous=request.anonymous,
            ),
            now=now,
        )
        await enqueue(
            session,
            workspace_id=scope.workspace_id,
            key=outbox_key(poll_id=created.id),
            kind=OutboxKind.POLL,
            target=created.channel,
            payload={"poll_id": created.id},
            due_at=now,
            now=now,
        )
    await ctx.schedules_changed()
    if request.anonymous:
        return Reply(
            text="Posting your anonymous poll in this channel now. Votes are not linked to "
            "anyone; closing the poll erases even the key that stops people voting twice."
        )
    return Reply(text="Posting your poll in this channel now. You can export the votes as CSV.")


@dataclass(frozen=True, slots=True)
class VoteChoice:
    """A vote button: the poll and the index of the option it stands for."""

    poll_id: int
    choice: int


VOTE_CHOICE: Codec[VoteChoice] = record(VoteChoice)


def _ballot(poll: Poll, *, actor: Actor, scope: Scope) -> str | None:
    """This person's ballot in the poll; None for an anonymous poll once its salt is gone."""
    if not poll.anonymous:
        return named_ballot(member_id=scope.member_id)
    if poll.salt is None:
        return None
    return anonymous_ballot(salt=poll.salt, workspace=actor.workspace, user=actor.user)


async def _refresh(
    session: AsyncSession, *, poll: Poll, counts: list[int]
) -> tuple[ChannelPost, ...]:
    """The shared post redrawn with these counts, once it has gone out."""
    ts = await sent_ref(session, key=outbox_key(poll_id=poll.id))
    if not ts:  # not posted yet: the post will show the counts when it goes out
        return ()
    viewers = await poll_viewers(session, poll=poll)
    post = poll_message(poll=poll, counts=counts, viewers=viewers)
    return (ChannelPost(channel=poll.channel, update=ts, reply=post),)


async def _poll(session: AsyncSession, *, scope: Scope, poll_id: int, lock: bool = False) -> Poll:
    """The poll in the actor's workspace, or the kind "can't find" every action shares."""
    found = await get_poll(session, workspace_id=scope.workspace_id, poll_id=poll_id, lock=lock)
    if found is None:
        raise NotFound("I can't find that poll; it may have been removed.")
    return found


async def _require_member(*, ctx: Context, actor: Actor, poll_id: int) -> None:
    """Votes and results are for the channel the poll was posted in.

    A button's value can be forged, so the poll's channel is checked against the
    bot's directory before anything is read or written. Runs before `ctx.acting`:
    the check takes transactions of its own.
    """
    async with ctx.acting(actor) as (session, scope):
        channel = (await _poll(session, scope=scope, poll_id=poll_id)).channel
    if not await in_channel(ctx=ctx, actor=actor, channel=channel):
        raise NotAllowed(
            "This poll is for the members of the channel it was posted in. If you have "
            "just joined that channel, please try again in a minute."
        )


@action(VOTE, codec=VOTE_CHOICE)
async def vote(
    *, ctx: Context, actor: Actor, payload: VoteChoice, values: Mapping[str, FieldValue]
) -> Reply:
    """Record or change one person's vote and refresh the counts on the post."""
    index = payload.choice
    # A first-time voter's member row is created and committed here, on its own: an
    # anonymous ballot written beside it would share its transaction id on PostgreSQL.
    async with ctx.acting(actor):
        pass
    await _require_member(ctx=ctx, actor=actor, poll_id=payload.poll_id)
    async with ctx.acting(actor) as (session, scope):
        found = await _poll(session, scope=scope, poll_id=payload.poll_id, lock=True)
        if not 0 <= index < len(found.options):
            # Options never change, so an index past the end is a button we did not write.
            raise NotFound(STALE_MESSAGE)
        ballot = _ballot(found, actor=actor, scope=scope)
        if found.closed or ballot is None:
            counts = await vote_counts(session, poll=found)
            closed = results(poll=found, counts=counts, yours=None)
            return Reply(
                text="This poll has closed, so it takes no more votes. Here is how it ended.",
                sections=(
                    Section(text="This poll has closed, so it takes no more votes."),
                    *closed.sections,
                ),
            )
        before = await cast_vote(
            session,
            poll=found,
            ballot=ballot,
            member_id=None if found.anonymous else scope.member_id,
            choice=index,
        )
        chosen = typed(found.options[index])
        if before == index:
            return Reply(
                text=f"You have already voted for “{chosen}”. "
                "Press another option to change your vote."
            )
        counts = await vote_counts(session, poll=found)
        posts = await _refresh(session, poll=found, counts=counts)
    return Reply(
        text=f"You voted for “{chosen}”. Press another option to change your vote.",
        also_post=posts,
    )


@action(RESULTS, codec=ID)
async def show_results(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """The counts so far, to the person who asked, with their own vote."""
    await _require_member(ctx=ctx, actor=actor, poll_id=payload)
    async with ctx.acting(actor) as (session, scope):
        found = await _poll(session, scope=scope, poll_id=payload)
        counts = await vote_counts(session, poll=found)
        ballot = _ballot(found, actor=actor, scope=scope)
        yours = await ballot_choice(session, poll=found, ballot=ballot) if ballot else None
    return results(poll=found, counts=counts, yours=yours)


@action(CLOSE, codec=ID)
async def close(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """Close for good: the post shows final results, and an anonymous poll's salt is erased."""
    # Asked first: it takes its own transaction, which must not nest inside ours.
    facilitator = await is_facilitator(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        found = await _poll(session, scope=scope, poll_id=payload, lock=True)
        creator = found.member_id == scope.member_id
        if not creator and not facilitator:
            raise NotAllowed(
                "Only the person who started this poll, or a facilitator, can close it."
            )
        counts = await vote_counts(session, poll=found)
        if found.closed:
            return results(poll=found, counts=counts, yours=None)
        found = await close_poll(session, scope=scope, poll=found)
        if not creator:
            audit(
                session,
                ctx=ctx,
                actor=actor,
                scope=scope,
                action="poll.close",
                detail=f"poll {found.id} in {found.channel}",
            )
        posts = await _refresh(session, poll=found, counts=counts)
    return Reply(
        text=f"Poll closed with {votes(count=sum(counts))}. The post now shows the final results.",
        also_post=posts,
    )


@action(VIEW, codec=ID)
async def view(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """One reader's own view of the shared post: their vote, and Close and Export only
    when they may use them, as Slack would show them only to that person."""
    await _require_member(ctx=ctx, actor=actor, poll_id=payload)
    facilitator = await is_facilitator(ctx=ctx, actor=actor)
    async with ctx.acting(actor) as (session, scope):
        found = await _poll(session, scope=scope, poll_id=payload)
        counts = await vote_counts(session, poll=found)
        ballot = _ballot(found, actor=actor, scope=scope)
        yours = await ballot_choice(session, poll=found, ballot=ballot) if ballot else None
        viewers = await poll_viewers(session, poll=found)
    return poll_message(
        poll=found,
        counts=counts,
        viewers=viewers,
        yours=yours,
        owner=found.member_id == scope.member_id,
        facilitator=facilitator,
    )


def votes_csv(*, poll: Poll, rows: list[tuple[str, int]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user", "choice"])
    for user, choice in rows:
        option = poll.options[choice] if 0 <= choice < len(poll.options) else ""
        writer.writerow([defuse_formula(user), defuse_formula(option)])
    # The byte-order mark makes Excel read the file as UTF-8.
    return out.getvalue().encode("utf-8-sig")


@action(EXPORT, codec=ID)
async def export(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """Who voted for what in a named poll, as CSV by direct message, for its creator only."""
    async with ctx.acting(actor) as (session, scope):
        found = await _poll(session, scope=scope, poll_id=payload)
        if found.anonymous:
            raise NotAllowed("This poll is anonymous, so there is no record of who voted for what.")
        if found.member_id != scope.member_id:
            raise NotAllowed("Only the person who started this poll can export its votes.")
        rows = await named_votes(session, poll=found)
    return Reply(
        text=f"Votes for “{found.question}” ({votes(count=len(rows))}), as CSV.",
        attachments=(
            Attachment(
                filename=f"poll-{found.id}.csv",
                content=votes_csv(poll=found, rows=rows),
                title=f"Poll votes: {found.question[:80]}",
            ),
        ),
        delivery=Delivery.DM,
    )
