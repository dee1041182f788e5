"""Polls as the handlers see them: typing one, voting, anonymity, closing, export, erasure."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers import (
    Action,
    Actor,
    Context,
    Invalid,
    NotAllowed,
    NotFound,
    Reply,
    handle_action,
    handle_text,
)
from handlers.core.model import Button, Delivery
from handlers.core.payloads import STALE_MESSAGE
from handlers.core.roles import FACILITATOR
from handlers.outbox.compose import compose
from handlers.polls.commands import parse_poll
from storage.models import Member, OutboxMessage, Poll, PollVote, Workspace
from storage.outbox import mark_sent
from storage.participation import member_joined

TS = "1700000000.000100"


def other(actor: Actor, user: str) -> Actor:
    return dataclasses.replace(actor, user=user)


def in_channel(actor: Actor) -> Actor:
    return dataclasses.replace(actor, channel="C0POLLS")


async def start(ctx: Context, actor: Actor, text: str) -> Reply:
    """Run the command, then send the post as the outbox would and keep its ts."""
    answer = await handle_text(ctx=ctx, actor=in_channel(actor), text=text)
    assert "Posting your" in answer.text
    async with ctx.database.transaction() as session:
        row = await session.scalar(
            select(OutboxMessage)
            .join(Workspace, Workspace.id == OutboxMessage.workspace_id)
            .where(Workspace.external_id == actor.workspace, OutboxMessage.kind == "poll")
            .order_by(OutboxMessage.id.desc())
        )
        assert row is not None and row.target == "C0POLLS"
    outgoing = await compose(ctx=ctx, row=row)
    assert outgoing is not None
    async with ctx.database.transaction() as session:
        await mark_sent(session, row_id=row.id, now=ctx.clock(), ref=TS)
    return outgoing.reply


async def press(ctx: Context, actor: Actor, button: Button) -> Reply:
    """Press a button as a member of the poll's channel (votes are for its members)."""
    async with ctx.acting(actor) as (session, scope):
        await member_joined(session, scope=scope, channel="C0POLLS", at=None)
    action = Action(action_id=button.action_id, value=button.value)
    return await handle_action(ctx=ctx, actor=actor, action=action)


def option(post: Reply, label: str) -> Button:
    return next(b for b in post.sections[0].buttons if b.label == label)


def tool(post: Reply, label: str) -> Button:
    return next(b for b in post.buttons if b.label == label)


def counts(post: Reply) -> dict[str, int]:
    """What the post shows: each option's vote count."""
    text = "\n".join(section.text for section in post.sections)
    found = re.findall(r"\*\*(.+?)\*\*\n\S+  (\d+) votes?", text)
    return {label: int(count) for label, count in found}


def refreshed(reply: Reply) -> Reply:
    """The updated channel post that came with a reply."""
    [post] = reply.also_post
    assert post.update == TS and post.channel == "C0POLLS"
    return post.reply


async def ballots(ctx: Context, actor: Actor) -> list[PollVote]:
    async with ctx.database.transaction() as session:
        return list(
            await session.scalars(
                select(PollVote)
                .join(Workspace, Workspace.id == PollVote.workspace_id)
                .where(Workspace.external_id == actor.workspace)
            )
        )


async def the_poll(ctx: Context, actor: Actor) -> Poll:
    async with ctx.database.transaction() as session:
        found = await session.scalar(
            select(Poll)
            .join(Workspace, Workspace.id == Poll.workspace_id)
            .where(Workspace.external_id == actor.workspace)
        )
    assert found is not None
    return found


# -- typing a poll ----------------------------------------------------------------------


def test_quotes_from_slack_are_read_whatever_their_shape() -> None:
    typed = "\u201cWhere next?\u201d \u201cLeeds\u201d \u2018York\u2019 \u201cDon\u2019t mind\u201d"
    request = parse_poll(text=typed)
    assert request is not None
    assert request.question == "Where next?"
    assert request.options == ("Leeds", "York", "Don\u2019t mind")
    assert not request.anonymous


def test_a_bare_anonymous_at_the_end_makes_it_anonymous_but_a_quoted_one_is_an_option() -> None:
    bare = parse_poll(text='"Q?" "A" "B" ANONYMOUS')
    quoted = parse_poll(text='"Q?" "A" "Anonymous"')
    assert bare is not None and bare.anonymous and bare.options == ("A", "B")
    assert quoted is not None and not quoted.anonymous and quoted.options == ("A", "Anonymous")
    for near_miss in ("anonymous.", "anon", "anonymus"):
        typo = parse_poll(text=f'"Q?" "A" "B" {near_miss}')
        assert typo is not None and typo.anonymous and typo.options == ("A", "B")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Where shall we meet? Leeds York", "in quotes"),
        ('"Where?" "Leeds', "match up the quotation marks"),
        ('"Where?" "Leeds"', "at least two options"),
        ('"Where?" ' + " ".join(f'"{n}"' for n in range(11)), "up to 10 options"),
        ('"Where?" "Leeds" "' + "x" * 76 + '"', "76 characters"),
        ('"' + "q" * 301 + '" "A" "B"', "300 characters"),
        ('"Where?" "Leeds" "leeds"', "is there twice"),
        ('"Where?" "Leeds" ""', "empty"),
        ('"" "Leeds" "York"', "needs a question"),
    ],
)
def test_bad_input_is_explained_with_an_example(typed: str, says: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_poll(text=typed)
    assert says in refused.value.message
    assert '/ccpl poll "Which day suits the next forum?"' in refused.value.message


async def test_poll_alone_shows_how(ctx: Context, actor: Actor) -> None:
    for typed in ("poll", "polls", "poll help"):
        reply = await handle_text(ctx=ctx, actor=in_channel(actor), text=typed)
        assert "Put the question and each option in quotes" in reply.sections[0].text


async def test_a_poll_needs_a_channel(ctx: Context, actor: Actor) -> None:
    with pytest.raises(NotFound, match="in the channel where the poll should go"):
        await handle_text(ctx=ctx, actor=actor, text='poll "Q?" "A" "B"')


async def test_the_post_shows_the_question_options_and_buttons(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    section = post.sections[0]
    assert section.heading == "Which day?"
    assert [b.label for b in section.buttons] == ["Tuesday", "Thursday"]
    assert [b.label for b in post.buttons] == ["Results", "Close poll", "Export CSV"]
    assert counts(post) == {"Tuesday": 0, "Thursday": 0}
    assert post.delivery is Delivery.CHANNEL
    assert "Anonymous" not in (section.note or "")


# -- voting -------------------------------------------------------------------------------


async def test_one_vote_per_person_which_they_can_change(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    first = await press(ctx, other(actor, "UVOTER1"), option(post, "Tuesday"))
    assert first.text == "You voted for “Tuesday”. Press another option to change your vote."
    assert counts(refreshed(first)) == {"Tuesday": 1, "Thursday": 0}

    second = await press(ctx, other(actor, "UVOTER2"), option(post, "Tuesday"))
    assert counts(refreshed(second)) == {"Tuesday": 2, "Thursday": 0}
    assert "100%" in refreshed(second).sections[0].text

    again = await press(ctx, other(actor, "UVOTER1"), option(post, "Tuesday"))
    assert "already voted for “Tuesday”" in again.text
    assert again.also_post == ()

    changed = await press(ctx, other(actor, "UVOTER1"), option(post, "Thursday"))
    assert counts(refreshed(changed)) == {"Tuesday": 1, "Thursday": 1}
    assert "Total: 2 votes" in (refreshed(changed).sections[0].note or "")
    assert len(await ballots(ctx, actor)) == 2


async def test_clicks_at_the_same_moment_are_all_counted_once(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    voters = [other(actor, f"UBUSY{n}") for n in range(6)]
    double_click = [press(ctx, voters[0], option(post, "Thursday")) for _ in range(2)]
    replies = await asyncio.gather(
        *double_click, *(press(ctx, v, option(post, "Tuesday")) for v in voters[1:])
    )
    # Votes take turns on the poll's row, so whichever went last saw every ballot.
    shown = [counts(refreshed(r)) for r in replies if r.also_post]
    assert {"Tuesday": 5, "Thursday": 1} in shown
    assert len(await ballots(ctx, actor)) == 6


async def test_results_show_the_counts_and_your_own_vote(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday" anonymous')
    await press(ctx, other(actor, "UVOTER1"), option(post, "Thursday"))
    mine = await press(ctx, other(actor, "UVOTER1"), tool(post, "Results"))
    theirs = await press(ctx, other(actor, "UVOTER2"), tool(post, "Results"))
    assert counts(mine) == {"Tuesday": 0, "Thursday": 1}
    assert "You voted for “Thursday”" in (mine.sections[0].note or "")
    assert "You voted" not in (theirs.sections[0].note or "")
    assert mine.delivery is Delivery.EPHEMERAL and not mine.also_post


async def test_an_out_of_date_button_is_explained(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    stale = dataclasses.replace(option(post, "Tuesday"), value=f"{post.buttons[0].value}:7")
    with pytest.raises(NotFound, match="out of date"):
        await press(ctx, actor, stale)


@pytest.mark.parametrize(
    "tampered",
    ["", "abc", "1", "1:", ":0", "1:2:3", "-1:0", "1:-1", "+1:0", "1:x", "1:0 ", "9" * 30],
)
async def test_a_tampered_vote_gets_the_one_out_of_date_wording(
    ctx: Context, actor: Actor, tampered: str
) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    forged = dataclasses.replace(option(post, "Tuesday"), value=tampered)
    with pytest.raises(NotFound) as refused:
        await press(ctx, actor, forged)
    assert refused.value.message == STALE_MESSAGE
    assert await ballots(ctx, actor) == []


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tampered=st.text(max_size=40).filter(lambda v: not re.fullmatch(r"[0-9]+:[0-9]+", v)))
async def test_any_vote_value_we_did_not_write_is_out_of_date(
    ctx: Context, actor: Actor, tampered: str
) -> None:
    forged = Action(action_id="poll.vote", value=tampered)
    with pytest.raises(NotFound) as refused:
        await handle_action(ctx=ctx, actor=actor, action=forged)
    assert refused.value.message == STALE_MESSAGE


async def test_a_vote_for_a_poll_that_is_gone_keeps_its_own_wording(
    ctx: Context, actor: Actor
) -> None:
    gone = Action(action_id="poll.vote", value="999999999:0")
    with pytest.raises(NotFound, match="I can't find that poll"):
        await handle_action(ctx=ctx, actor=actor, action=gone)


# -- anonymity ------------------------------------------------------------------------------


async def test_an_anonymous_poll_stores_no_link_to_the_voter(ctx: Context, actor: Actor) -> None:
    post = await start(
        ctx, actor, 'poll "How safe do you feel raising concerns?" "Safe" "Unsure" anonymous'
    )
    assert "Anonymous poll: votes are not linked to anyone" in (post.sections[0].note or "")
    assert "Export CSV" not in [b.label for b in post.buttons]
    voter = other(actor, "UANON1")
    await press(ctx, voter, option(post, "Unsure"))
    await press(ctx, other(actor, "UANON2"), option(post, "Safe"))
    changed = await press(ctx, voter, option(post, "Safe"))  # still one ballot each
    assert counts(refreshed(changed)) == {"Safe": 2, "Unsure": 0}

    async with ctx.database.transaction() as session:
        member_ids = set(
            await session.scalars(
                select(Member.id)
                .join(Workspace, Workspace.id == Member.workspace_id)
                .where(Workspace.external_id == actor.workspace)
            )
        )
    before = await ballots(ctx, actor)
    assert len(before) == 2
    for ballot in before:
        assert ballot.member_id is None
        assert "UANON" not in ballot.ballot and actor.workspace not in ballot.ballot
        assert not any(str(m) in ballot.ballot.split(":") for m in member_ids)
        assert re.fullmatch(r"[0-9a-f]{64}", ballot.ballot)
    assert (await the_poll(ctx, actor)).salt is not None

    closed = await press(ctx, actor, tool(post, "Close poll"))
    assert "Poll closed with 2 votes" in closed.text
    assert (await the_poll(ctx, actor)).salt is None
    after = await ballots(ctx, actor)
    # Re-keyed: the tokens a salt holder could have recomputed are gone too.
    assert sorted(b.choice for b in after) == [0, 0]
    assert not {b.ballot for b in after} & {b.ballot for b in before}

    late = await press(ctx, voter, option(post, "Unsure"))
    assert "has closed" in late.text
    assert counts(late) == {"Safe": 2, "Unsure": 0}


async def test_an_anonymous_poll_cannot_be_exported(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Q?" "A" "B" anonymous')
    export = Button(action_id="poll.export", label="Export CSV", value=tool(post, "Results").value)
    with pytest.raises(NotAllowed, match="anonymous"):
        await press(ctx, actor, export)


# -- closing and export ------------------------------------------------------------------


async def test_only_the_creator_or_a_facilitator_can_close(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    await press(ctx, other(actor, "UVOTER1"), option(post, "Tuesday"))
    with pytest.raises(NotAllowed, match="Only the person who started this poll"):
        await press(ctx, other(actor, "UMEMBER"), tool(post, "Close poll"))

    async def facilitator(who: Actor) -> frozenset[str]:
        return frozenset({FACILITATOR}) if who.user == "UFAC" else frozenset()

    as_facilitator = dataclasses.replace(ctx, resolve_roles=facilitator)
    closed = await press(as_facilitator, other(actor, "UFAC"), tool(post, "Close poll"))
    final = refreshed(closed)
    assert final.sections[0].buttons == ()
    assert final.sections[0].heading == "Closed: Which day?"
    assert "Closed: final results" in (final.sections[0].note or "")
    assert counts(final) == {"Tuesday": 1, "Thursday": 0}
    assert [b.label for b in final.buttons] == ["Export CSV"]

    refused = await press(ctx, other(actor, "UVOTER2"), option(post, "Thursday"))
    assert "has closed, so it takes no more votes" in refused.text
    assert refused.also_post == ()
    assert len(await ballots(ctx, actor)) == 1


async def test_the_creator_gets_the_votes_as_csv_by_direct_message(
    ctx: Context, actor: Actor
) -> None:
    post = await start(ctx, actor, 'poll "Which formula?" "=SUM(A1:A9)" "Plain"')
    await press(ctx, other(actor, "UVOTER1"), option(post, "=SUM(A1:A9)"))
    await press(ctx, other(actor, "UVOTER2"), option(post, "Plain"))
    with pytest.raises(NotAllowed, match="Only the person who started this poll"):
        await press(ctx, other(actor, "UVOTER1"), tool(post, "Export CSV"))

    exported = await press(ctx, actor, tool(post, "Export CSV"))
    assert exported.delivery is Delivery.DM
    [attachment] = exported.attachments
    assert attachment.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8-sig"))))
    assert rows == [["user", "choice"], ["UVOTER1", "'=SUM(A1:A9)"], ["UVOTER2", "Plain"]]


async def test_forgetting_a_voter_removes_their_named_vote(ctx: Context, actor: Actor) -> None:
    post = await start(ctx, actor, 'poll "Which day?" "Tuesday" "Thursday"')
    leaver = other(actor, "ULEAVER")
    await press(ctx, leaver, option(post, "Tuesday"))
    await press(ctx, other(actor, "USTAYER"), option(post, "Thursday"))
    await handle_action(ctx=ctx, actor=leaver, action=Action(action_id="privacy.forget.confirmed"))

    shown = await press(ctx, actor, tool(post, "Results"))
    assert counts(shown) == {"Tuesday": 0, "Thursday": 1}
    exported = await press(ctx, actor, tool(post, "Export CSV"))
    assert b"ULEAVER" not in exported.attachments[0].content
