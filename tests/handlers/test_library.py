"""Resources, principles, lessons, case studies and help, as a person reads them."""

from __future__ import annotations

import re

import pytest

from content import RESOURCE_CATEGORIES
from handlers import Actor, Context, NotFound, handle_text


def _all_text(reply: object) -> str:
    sections = getattr(reply, "sections", ())
    return "\n".join(
        [getattr(reply, "text", "")]
        + [f"{s.heading or ''}\n{s.text}\n{s.note or ''}" for s in sections]
    )


async def test_resources_lists_every_category(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="resources")
    headings = {s.heading for s in reply.sections}
    assert set(RESOURCE_CATEGORIES.values()) <= headings
    for resource in ctx.pack.resources:
        assert resource.name in _all_text(reply)


async def test_resources_by_category_word(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="resources books")
    text = _all_text(reply)
    for resource in ctx.pack.resources:
        assert (resource.name in text) == (resource.category == "books-podcasts-webinars")


async def test_resources_search_words(ctx: Context, actor: Actor) -> None:
    target = ctx.pack.resources[0]
    word = target.name.split()[0].lower()
    reply = await handle_text(ctx=ctx, actor=actor, text=f"resources {word}")
    assert target.name in _all_text(reply)


async def test_resources_with_no_match_is_a_kind_not_found(ctx: Context, actor: Actor) -> None:
    with pytest.raises(NotFound, match="No resource mentions"):
        await handle_text(ctx=ctx, actor=actor, text="resources xylophone")


async def test_principles_lists_five_and_two_expectations(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="principles")
    text = _all_text(reply)
    for principle in ctx.pack.principles:
        assert f"{principle.number}. {principle.title}" in text
    for expectation in ctx.pack.expectations:
        assert expectation.title in text


async def test_one_principle_in_depth(ctx: Context, actor: Actor) -> None:
    third = ctx.pack.principles[2]
    reply = await handle_text(ctx=ctx, actor=actor, text="principle 3")
    assert reply.text == f"Principle 3: {third.title}"
    assert third.in_practice[0] in _all_text(reply)


async def test_principle_out_of_range(ctx: Context, actor: Actor) -> None:
    with pytest.raises(NotFound, match="principles 1"):
        await handle_text(ctx=ctx, actor=actor, text="principles 9")


async def test_lessons_are_all_there(ctx: Context, actor: Actor) -> None:
    text = _all_text(await handle_text(ctx=ctx, actor=actor, text="lessons"))
    for lesson in ctx.pack.lessons:
        assert lesson.title in text


@pytest.mark.parametrize("words", ["lucid", "UCCH", "surrey growing", "gloucestershire"])
async def test_case_study_by_keyword(ctx: Context, actor: Actor, words: str) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text=f"case {words}")
    assert reply.text.startswith("Case study: ")
    assert "Source:" in _all_text(reply)


async def test_a_broad_word_lists_every_matching_case_study(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="case norfolk")
    text = _all_text(reply)
    norfolk = [c for c in ctx.pack.case_studies if "norfolk" in c.keywords]
    assert len(norfolk) >= 2
    assert all(c.name in text for c in norfolk)
    assert not any(c.name in text for c in ctx.pack.case_studies if c not in norfolk)


async def test_case_list_and_near_miss(ctx: Context, actor: Actor) -> None:
    listing = _all_text(await handle_text(ctx=ctx, actor=actor, text="case"))
    for study in ctx.pack.case_studies:
        assert study.name in listing
    with pytest.raises(NotFound, match="Did you mean `case lucid`"):
        await handle_text(ctx=ctx, actor=actor, text="case lucd")


async def test_junk_gets_help_with_a_suggestion(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="/ccpl tpi")
    assert reply.text == "I don't know `tpi`. Did you mean `tip`?"
    assert reply.buttons == () and reply.sections[0].buttons[0].value == "tip"
    junk = await handle_text(ctx=ctx, actor=actor, text="%%%$$$ ((")
    assert "Here is what I can do" in junk.text
    assert "tip [topic]" in _all_text(junk)


async def test_empty_text_is_help(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="/ccpl")
    assert "Type `/ccpl` followed by" in _all_text(reply)


@pytest.mark.parametrize("broad", ["", "norfolk", "surrey", "llr", "leicester", "heartlands"])
async def test_each_case_in_a_listing_is_offered_by_words_that_open_it(
    ctx: Context, actor: Actor, broad: str
) -> None:
    listing = await handle_text(ctx=ctx, actor=actor, text=f"case {broad}")
    offered = re.findall(r"`(case [^`]+)`", _all_text(listing))
    assert len(offered) >= 2
    opened = [await handle_text(ctx=ctx, actor=actor, text=words) for words in offered]
    assert all(reply.text.startswith("Case study: ") for reply in opened), offered
    assert len({reply.text for reply in opened}) == len(offered)  # one study each


async def test_a_search_of_several_words_finds_resources_with_the_most_of_them(
    ctx: Context, actor: Actor
) -> None:
    both = await handle_text(ctx=ctx, actor=actor, text="resources compassionate leadership")
    assert both.text == "Resources about “compassionate leadership”"
    assert "Michael West on compassionate and inclusive leadership" in _all_text(both)
    some = await handle_text(ctx=ctx, actor=actor, text="resources systems leadership")
    assert some.text.startswith("No resource mentions all of “systems leadership”")
    found = ctx.pack.find_resources(query="systems leadership", every_word=False)
    assert found and all(r.name in _all_text(some) for r in found)
    for resource in found:
        about = f"{resource.name} {resource.description}".lower()
        assert ("leadership" in about) != ("systems" in about)  # one word or the other


LIBRARY = ("resources", "resource", "case", "principles", "principle", "lessons", "tip")


async def test_every_suggestion_the_library_makes_finds_something(
    ctx: Context, actor: Actor
) -> None:
    """Follow every `command` the library's answers suggest, two steps deep."""
    start = ["resources", "case", "principles", "lessons", "tip", "case norfolk", "case surrey"]
    start += ["resources xylophone", "case lucd", "principles 9", "tip zebras"]
    followed: set[str] = set()
    frontier = list(start)
    for _ in range(2):
        suggested: list[str] = []
        for words in frontier:
            try:
                reply_text = _all_text(await handle_text(ctx=ctx, actor=actor, text=words))
            except NotFound as refused:
                assert words in start, f"the bot suggested `{words}`, which finds nothing"
                reply_text = refused.message
            for found in re.findall(r"`(?:/ccpl )?([^`]+)`", reply_text):
                if found.split()[0] in LIBRARY and found not in followed:
                    followed.add(found)
                    suggested.append(found)
        frontier = suggested
    assert {"resources compassionate leadership", "resources books", "principles 3"} <= followed
