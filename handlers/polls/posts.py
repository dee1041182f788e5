"""The poll's post: question, a bar per option, and the buttons while it is open."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.model import Button, Delivery, Reply, Section
from handlers.core.text import typed
from storage.polls import Poll

VOTE = "poll.vote"
RESULTS = "poll.results"
CLOSE = "poll.close"
EXPORT = "poll.export"
VIEW = "poll.view"
ANONYMOUS_NOTE = "Anonymous poll: votes are not linked to anyone"
BAR_WIDTH = 10
HEADING_LIMIT = 150  # Slack's header block; a longer question goes in the body instead


def outbox_key(*, poll_id: int) -> str:
    return f"poll:{poll_id}"


def votes(*, count: int) -> str:
    return f"{count} vote" if count == 1 else f"{count} votes"


def _bar(count: int, total: int) -> str:
    filled = round(BAR_WIDTH * count / total) if total else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def tally(*, poll: Poll, counts: Sequence[int]) -> str:
    """A line per option with its count, a bar and its share of the votes."""
    total = sum(counts)
    lines = []
    for option, count in zip(poll.options, counts, strict=True):
        share = round(100 * count / total) if total else 0
        lines.append(f"**{typed(option)}**\n{_bar(count, total)}  {votes(count=count)} · {share}%")
    return "\n".join(lines)


def _note(*, poll: Poll, counts: Sequence[int]) -> str:
    parts = [f"Total: {votes(count=sum(counts))}"]
    if poll.closed:
        parts.insert(0, "Closed: final results")
    if poll.anonymous:
        parts.append(ANONYMOUS_NOTE)
    return " · ".join(parts)


def _heading_and_text(poll: Poll, body: str) -> tuple[str, str]:
    prefix = "Closed: " if poll.closed else ""
    if len(prefix + poll.question) <= HEADING_LIMIT:
        return prefix + poll.question, body
    return f"{prefix}Poll", f"**{typed(poll.question)}**\n\n{body}"


def poll_message(
    *,
    poll: Poll,
    counts: Sequence[int],
    viewers: Sequence[str] = (),
    yours: int | None = None,
    owner: bool | None = None,
    facilitator: bool = False,
) -> Reply:
    """The channel post. Once closed it shows the final results and takes no votes.

    As shared, Close and Export are for the owner; `owner` (did this reader start
    it), `facilitator` and `yours` draw one reader's own view of it: their vote, and
    Close (the creator or a facilitator) and Export (the creator) only when allowed.
    """
    heading, text = _heading_and_text(poll, tally(poll=poll, counts=counts))
    note = _note(poll=poll, counts=counts)
    if yours is not None and 0 <= yours < len(poll.options):
        note = f"You voted for “{typed(poll.options[yours])}” · {note}"
    vote_buttons = (
        ()
        if poll.closed
        else tuple(
            Button(action_id=VOTE, label=option, value=f"{poll.id}:{index}")
            for index, option in enumerate(poll.options)
        )
    )
    shared = owner is None
    tools: list[Button] = []
    if not poll.closed:
        tools.append(Button(action_id=RESULTS, label="Results", value=str(poll.id)))
    if not poll.closed and (shared or owner or facilitator):
        tools.append(
            Button(
                action_id=CLOSE,
                label="Close poll",
                value=str(poll.id),
                style="danger",
                owners_only=shared,
            )
        )
    if not poll.anonymous and (shared or owner):
        tools.append(
            Button(action_id=EXPORT, label="Export CSV", value=str(poll.id), owners_only=shared)
        )
    return Reply(
        text=f"Poll closed: {typed(poll.question)}"
        if poll.closed
        else f"Poll: {typed(poll.question)}",
        sections=(
            Section(
                heading=heading,
                text=text,
                note=note,
                buttons=vote_buttons,
            ),
        ),
        buttons=tuple(tools),
        delivery=Delivery.CHANNEL,
        view=Button(action_id=VIEW, label="Refresh", value=str(poll.id)),
        viewers=tuple(viewers),
    )


def results(*, poll: Poll, counts: Sequence[int], yours: int | None) -> Reply:
    """Current counts for one person, without buttons; mentions their own vote."""
    heading, text = _heading_and_text(poll, tally(poll=poll, counts=counts))
    note = _note(poll=poll, counts=counts)
    if yours is not None and 0 <= yours < len(poll.options):
        note = f"You voted for “{typed(poll.options[yours])}” · {note}"
    return Reply(
        text=f"Final results: {typed(poll.question)}"
        if poll.closed
        else f"Results so far: {typed(poll.question)}",
        sections=(Section(heading=heading, text=text, note=note),),
    )
