"""`tip`: no repeats until every tip is seen, topics filter, progress is shown."""

from __future__ import annotations

import dataclasses

import pytest

from handlers import Action, Actor, Context, NotFound, Reply, handle_action, handle_text


def _title(reply_text: str) -> str:
    return reply_text.removeprefix("Top tip: ")


async def test_five_tips_in_a_row_are_all_different(ctx: Context, actor: Actor) -> None:
    titles = [_title((await handle_text(ctx=ctx, actor=actor, text="tip")).text) for _ in range(5)]
    assert len(set(titles)) == 5
    assert set(titles) == {t.title for t in ctx.pack.tips}


async def test_after_every_tip_a_new_round_never_opens_with_the_last_one(
    ctx: Context, actor: Actor
) -> None:
    for seed in range(10):
        person = dataclasses.replace(actor, user=f"{actor.user}-{seed}")
        seen = [(await handle_text(ctx=ctx, actor=person, text="tip")).text for _ in range(5)]
        sixth = (await handle_text(ctx=ctx, actor=person, text="tip")).text
        assert sixth != seen[-1]
        more = [(await handle_text(ctx=ctx, actor=person, text="tip")).text for _ in range(4)]
        assert len({sixth, *more}) == 5


async def test_progress_note_counts_tips_seen(ctx: Context, actor: Actor) -> None:
    first = await handle_text(ctx=ctx, actor=actor, text="/ccpl tip")
    assert first.sections[0].note is not None
    assert first.sections[0].note.startswith("Tip 1 of 5 for you")
    for _ in range(4):
        last = await handle_text(ctx=ctx, actor=actor, text="tip")
    assert last.sections[0].note is not None
    assert last.sections[0].note.startswith("You have now seen every tip")
    assert "Source:" in last.sections[0].note


async def test_people_do_not_share_tip_history(ctx: Context, actor: Actor) -> None:
    other = dataclasses.replace(actor, user=actor.user + "B")
    for _ in range(5):
        await handle_text(ctx=ctx, actor=actor, text="tip")
    first_for_other = await handle_text(ctx=ctx, actor=other, text="tip")
    assert first_for_other.sections[0].note is not None
    assert first_for_other.sections[0].note.startswith("Tip 1 of 5")


async def test_a_topic_word_filters_tips(ctx: Context, actor: Actor) -> None:
    topic = ctx.pack.tips[0].topics[0]
    expected = {t.title for t in ctx.pack.tips_about(topic=topic)}
    assert {t.title for t in ctx.pack.tips if topic in t.topics} <= expected
    assert len(expected) < len(ctx.pack.tips)
    reply = await handle_text(ctx=ctx, actor=actor, text=f"tip {topic.upper()}")
    assert _title(reply.text) in expected


async def test_a_topic_asked_twice_gives_another_tip_about_it(ctx: Context, actor: Actor) -> None:
    # "relationships" tags one tip, and another is about relationships in its words.
    first = await handle_text(ctx=ctx, actor=actor, text="tip relationships")
    second = await handle_text(ctx=ctx, actor=actor, text="tip relationships")
    assert second.text != first.text
    assert all("relationship" in _all_words(r) for r in (first, second))


async def test_a_topic_with_one_tip_says_so_when_it_shows_it_again(
    ctx: Context, actor: Actor
) -> None:
    only = [
        topic
        for tip in ctx.pack.tips
        for topic in tip.topics
        if len(ctx.pack.tips_about(topic=topic)) == 1
    ]
    assert only, "the pack should have a topic with a single tip"
    first = await handle_text(ctx=ctx, actor=actor, text=f"tip {only[0]}")
    again = await handle_text(ctx=ctx, actor=actor, text=f"tip {only[0]}")
    assert again.text == first.text
    assert again.sections[0].note is not None
    assert again.sections[0].note.startswith(f"This is the only tip about “{only[0]}”")


def _all_words(reply: Reply) -> str:
    return " ".join(f"{s.heading} {s.text}" for s in reply.sections).lower()


async def test_an_unknown_topic_says_which_topics_exist(ctx: Context, actor: Actor) -> None:
    with pytest.raises(NotFound) as raised:
        await handle_text(ctx=ctx, actor=actor, text="tip zebras")
    assert "zebras" in raised.value.message
    assert ctx.pack.tips[0].topics[0] in raised.value.message


async def test_another_tip_button_gives_a_different_tip(ctx: Context, actor: Actor) -> None:
    first = await handle_text(ctx=ctx, actor=actor, text="tip")
    assert first.buttons[0].label == "Another tip"
    second = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=first.buttons[0].action_id)
    )
    assert second.text.startswith("Top tip: ")
    assert second.text != first.text
