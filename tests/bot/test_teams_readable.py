"""Every reply the commands can produce, as Teams receives it: each command in the
registry with each of its first words, asked in a channel (private answers go to the
personal chat, so both are rendered), through the real stack. Every card must pass
the 1.5 schema and 28 KB limit and keep its lines and placeholders
(`tests/fakes/teams_connector.py` says what Teams would garble); help, content and
posts must read in Teams words."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from content import ContentPack
from handlers import Context
from handlers.core.registry import REGISTRY
from storage import Database, upgrade
from tests.bot.teams_harness import FACILITATOR, TeamsHarness, running_teams
from tests.clock import FakeClock
from tests.fakes.teams_connector import Sent

CHANNEL = "19:readable@thread.tacv2"
THREAD = f"{CHANNEL};messageid=1700000000000"
_WORD = re.compile(r"^[a-z0-9-]+$")


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx) as harness:
        yield harness


@pytest.fixture
async def walker(pack: ContentPack, tmp_path: Path) -> AsyncIterator[TeamsHarness]:
    """The walk renders; storage does not vary its shape, so SQLite alone serves it."""
    database = Database(url=f"sqlite+aiosqlite:///{tmp_path / 'walk.db'}")
    await upgrade(database=database)
    try:
        ctx = Context(pack=pack, database=database, clock=FakeClock())
        async with running_teams(ctx=ctx) as harness:
            yield harness
    finally:
        await database.dispose()


def every_invocation() -> Iterator[str]:
    """Each command alone, and with each first word its usage offers
    (`forum setup`, `forum list`, ...), from the registry."""
    for spec in REGISTRY.commands():
        yield spec.name
        words = spec.usage.split()[1:2]
        for word in words[0].split("|") if words else ():
            if _WORD.match(word):
                yield f"{spec.name} {word}"
    yield "principles 3"


def shown(markdown: str) -> str:
    """What a person reads: the markdown rendered, tags gone."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def texts(sent: Sent) -> list[str]:
    """Every text a person reads in an activity, one entry per TextBlock or fact."""
    found = [sent.activity["text"]] if sent.activity.get("text") else []

    def walk(element: object) -> None:
        if isinstance(element, list):
            for item in element:
                walk(item)
        elif isinstance(element, dict):
            if element.get("type") == "TextBlock":
                found.append(element["text"])
            for fact in element.get("facts", []) if element.get("type") == "FactSet" else []:
                found.append(f"{fact['title']}: {fact['value']}")
            for value in element.values():
                if isinstance(value, list | dict):
                    walk(value)

    walk(sent.cards)
    return found


async def test_every_command_asked_in_a_channel_reads_well_wherever_it_is_answered(
    walker: TeamsHarness,
) -> None:
    tenant = str(uuid.uuid4())
    asked = [
        walker.activity(tenant=tenant, user=FACILITATOR, channel=CHANNEL, text=words)
        for words in every_invocation()
    ]
    for start in range(0, len(asked), 8):  # a few at once, as people would
        answers = await asyncio.gather(*(walker.post(a) for a in asked[start : start + 8]))
        assert {a.status for a in answers} <= {200, 202}
    # Each question got an answer in the thread, or in the person's chat with a note.
    assert len(walker.fake.sent) >= len(asked)
    assert {s.conversation for s in walker.fake.sent} == {THREAD, f"a:personal-29:{FACILITATOR}"}
    # Every card passed the schema, the size limit and Teams' reading of its text.
    assert walker.fake.problems == []
    assert any(sent.cards for sent in walker.fake.sent)


def items(sent: Sent) -> list[str]:
    """The list items a person reads, each as shown."""
    return [
        shown(line.removeprefix("- ")).strip()
        for text in texts(sent)
        for line in text.split("\n")
        if line.startswith("- ")
    ]


async def test_help_names_commands_as_each_conversation_types_them(bot: TeamsHarness) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    [in_channel] = await bot.say("help", tenant=tenant, user=user, channel=CHANNEL)
    assert in_channel.conversation == THREAD  # asked in a channel, answered there
    # One list item per command, each as it is typed in a channel.
    listed = items(in_channel)
    assert len(listed) == sum(1 for s in REGISTRY.commands() if s.listed)
    assert all(line.startswith("@CCPL ") for line in listed)
    assert "@CCPL tip [topic]: a top tip" in " ".join(listed)
    assert any("@CCPL reflect <text> saves a quick note" in line for line in listed)

    [personal] = await bot.say("help", tenant=tenant, user=user)
    listed = items(personal)
    assert "tip [topic]: a top tip" in " ".join(listed)
    everything = " ".join(shown(t) for t in texts(personal))
    assert "@CCPL" not in everything and "/ccpl" not in everything
    # The placeholder in angle brackets survives.
    assert any("reflect <text> saves a quick note" in line for line in listed)


async def test_content_is_answered_in_the_thread_it_was_asked_in(bot: TeamsHarness) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    for words in ("tip", "principles", "principles 2", "resources", "lessons", "case"):
        answers = await bot.say(words, tenant=tenant, user=user, channel=CHANNEL)
        assert [a.conversation for a in answers] == [THREAD], words
    assert bot.fake.created == []  # no personal chat was needed


async def test_a_poll_post_has_one_line_per_option(
    bot: TeamsHarness,
) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    # Teams sends what a person typed as HTML, so their angle brackets arrive escaped.
    question = html.escape('poll "Lunch <venue>?" "Café" "Canteen"', quote=False)
    await bot.say(question, tenant=tenant, user=user, channel=CHANNEL)
    await bot.runtime.sender.drain()
    [post] = [s for s in bot.fake.to(CHANNEL) if s.cards]
    lines = [shown(t).strip() for t in texts(post)]
    assert "Café" in lines and "Canteen" in lines
    assert sum(1 for line in lines if "0 votes · 0%" in line) == 2
    assert any("Lunch <venue>?" in line for line in lines)  # typed angle brackets kept
