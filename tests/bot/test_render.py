"""The handlers' small Markdown subset, as Slack and the terminal show it."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.render.adaptive import render_card
from bot.render.console import render_console
from bot.render.markup import to_mrkdwn, to_plain, to_teams
from bot.render.slack import MAX_BLOCKS, render_home, render_message
from handlers import Button, Reply, Section
from handlers.core.text import typed


def test_slack_escapes_control_characters_but_keeps_links_and_channels() -> None:
    text = "See [NHS Confederation](https://www.nhsconfed.org/) in <#C0FORUM>: a<b & **c**"
    assert to_mrkdwn(text) == (
        "See <https://www.nhsconfed.org/|NHS Confederation> in <#C0FORUM>: a&lt;b &amp; *c*"
    )


def test_a_person_cannot_smuggle_a_mention_through_text() -> None:
    assert to_mrkdwn("<!channel> <@U123>") == "&lt;!channel&gt; &lt;@U123&gt;"


def test_only_the_people_a_reply_names_become_mentions() -> None:
    text = "<@UQUIET> shared: cc <@UBOSS> <!channel>"
    assert to_mrkdwn(text, people=frozenset({"UQUIET"})) == (
        "<@UQUIET> shared: cc &lt;@UBOSS&gt; &lt;!channel&gt;"
    )


def test_terminal_text_has_no_markers() -> None:
    text = "**Topic:** _trust_ in <#console>, see [site](https://example.org/) `tip`"
    assert to_plain(text) == "Topic: trust in #console, see site (https://example.org/) tip"


# Text a person typed: each renderer shows the characters they typed and nothing more.

ZWSP = "\u200b"
# Block Kit mrkdwn's formatting characters; a typed one sits between zero-width spaces.
_SLACK_FORMATS = "*_~`"
# What Adaptive Cards' markdown can make of text: links, emphasis, lists (and inline code
# and HTML, which CommonMark knows; none may come from typed text either).
_CARD_FORMATS = {
    "link_open",
    "image",
    "em_open",
    "strong_open",
    "s_open",
    "code_inline",
    "html_inline",
    "html_block",
    "bullet_list_open",
    "ordered_list_open",
}
person_text = st.lists(
    st.one_of(
        st.sampled_from([*"*_~`[]()<>@!#|&;:/\\.-+= \n\tabcU1", "https://", "ccpl", "lt;"]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
).map("".join)


def _unsafe_slack_formats(rendered: str) -> list[str]:
    """Formatting characters Slack could act on: not fenced by zero-width spaces,
    and (for `_`) not inside a word, where Slack leaves it alone."""
    found = []
    for index, char in enumerate(rendered):
        if char not in _SLACK_FORMATS:
            continue
        before = rendered[index - 1] if index else ""
        after = rendered[index + 1] if index + 1 < len(rendered) else ""
        fenced = before == ZWSP and after == ZWSP
        in_word = char == "_" and before.isalnum() and after.isalnum()
        if not (fenced or in_word):
            found.append(rendered[max(0, index - 5) : index + 5])
    return found


def _slack_visible(rendered: str) -> str:
    return html.unescape(rendered.replace(ZWSP, ""))


def _card_tokens(markdown: str) -> list[Token]:
    found: list[Token] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        found.append(token)
        found.extend(token.children or ())
    return found


def _card_visible(markdown: str) -> str:
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _as_typed(text: str) -> str:
    # The renderers' own place-holders are private-use characters; typed ones are dropped.
    # A lone \r ends a line in Markdown, so typed text shows every line end as one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ue000", "").replace("\ue001", "")


@given(text=person_text)
@settings(max_examples=400, deadline=None)
def test_slack_shows_typed_text_as_typed(text: str) -> None:
    rendered = to_mrkdwn(f"**Option:** {typed(text)}\n• {typed(text)}", people=frozenset({"U1"}))
    assert "<" not in rendered  # no link, mention or channel the person did not write as text
    assert _unsafe_slack_formats(rendered.removeprefix("*Option:*")) == []
    assert _slack_visible(rendered) == f"*Option:* {_as_typed(text)}\n• {_as_typed(text)}".replace(
        ZWSP, ""
    )


@given(text=person_text)
@example(text="\r-")  # a lone \r starts a new line (a list item) in Markdown
@settings(max_examples=400, deadline=None)
def test_cards_show_typed_text_as_typed(text: str) -> None:
    for markdown in (to_teams(typed(text)), to_teams(f"• {typed(text)}")):
        kinds = {t.type for t in _card_tokens(markdown)}
        assert not kinds & _CARD_FORMATS, (markdown, kinds & _CARD_FORMATS)
    # CommonMark shows a NUL as U+FFFD, whoever wrote it.
    expected = _as_typed(text).replace("\x00", "\ufffd")
    assert _no_space(_card_visible(to_teams(typed(text)))) == _no_space(expected)


@given(text=person_text)
@settings(max_examples=400, deadline=None)
def test_the_console_shows_typed_text_as_typed(text: str) -> None:
    assert to_plain(typed(text)) == _as_typed(text)


def test_our_own_formatting_around_typed_text_still_works() -> None:
    text = f"**{typed('[a](https://evil.example/) *b*')}** see [site](https://example.org/)"
    assert to_mrkdwn(text) == (
        f"*[a](https://evil.example/) {ZWSP}*{ZWSP}b{ZWSP}*{ZWSP}* see <https://example.org/|site>"
    )
    assert to_teams(text) == (
        r"**\[a\](https://evil.example/) \*b\*** see [site](https://example.org/)"
    )
    assert to_plain(text) == "[a](https://evil.example/) *b* see site (https://example.org/)"


def test_a_typed_url_is_shown_as_itself() -> None:
    assert to_mrkdwn(typed("https://www.nhs.uk/login")) == "https://www.nhs.uk/login"
    assert to_teams(typed("https://www.nhs.uk/a_b")) == "https://www.nhs.uk/a_b"


DISGUISED = "[https://www.nhs.uk/login](https://evil.example/phish)"


def _card_links(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, target) of every markdown link in a card's text blocks."""
    found = []
    for item in card["body"]:
        if item.get("type") != "TextBlock":
            continue
        tokens = _card_tokens(item["text"])
        for index, token in enumerate(tokens):
            if token.type == "link_open":
                found.append((tokens[index + 1].content, str(token.attrs["href"])))
    return found


@pytest.mark.parametrize(
    "reply",
    [
        Reply(
            text=f"A member shared a reflection: {typed(DISGUISED)}",
            sections=(
                Section(
                    heading=DISGUISED,
                    text=f"**What happened?**\n{typed(DISGUISED)}",
                    note=typed(DISGUISED),
                ),
            ),
        ),
        Reply(text=f"A member shared this view anonymously:\n> {typed(DISGUISED)}"),
    ],
    ids=["sections", "text only"],
)
def test_every_renderer_keeps_a_disguised_link_as_text(reply: Reply) -> None:
    message = render_message(reply)
    assert "<http" not in json.dumps(message)
    assert DISGUISED in _slack_visible(json.dumps(message, ensure_ascii=False).replace("\\n", "\n"))
    card = render_card(reply)
    assert _card_links(card) == []
    assert any(DISGUISED in _card_visible(i["text"]) for i in card["body"])
    shown, _buttons = render_console(reply)
    assert DISGUISED in shown.replace("\n", "")


def test_teams_hints_name_commands_and_channels_as_teams_types_them() -> None:
    hint = "Try `/ccpl quiet #channel 30`, or `/ccpl reflect <your note>`."
    assert to_teams(hint) == r"Try **@CCPL quiet @channel 30**, or **@CCPL reflect \<your note>**."
    assert (
        to_teams(hint, personal=True) == r"Try **quiet @channel 30**, or **reflect \<your note>**."
    )
    assert to_mrkdwn(hint) == "Try `/ccpl quiet #channel 30`, or `/ccpl reflect &lt;your note&gt;`."


# Block Kit is written as plain dicts for speed; slack_sdk's models are the reference.
_words = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)
_buttons = st.lists(
    st.builds(
        Button,
        label=_words,
        action_id=st.from_regex(r"[a-z]{1,12}\.[a-z_]{1,12}", fullmatch=True),
        value=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
        style=st.sampled_from([None, "primary", "danger"]),
    ),
    max_size=3,
).map(tuple)
_sections = st.builds(
    Section,
    heading=st.one_of(st.none(), _words),
    text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=4000),
    note=st.one_of(st.none(), _words),
    buttons=_buttons,
)
_replies = st.builds(
    Reply, text=_words, sections=st.lists(_sections, max_size=20).map(tuple), buttons=_buttons
)


@given(reply=_replies)
@settings(max_examples=60, deadline=None)
def test_slack_blocks_are_what_slack_sdk_would_send(reply: Reply) -> None:
    message = render_message(reply)
    assert len(message["blocks"]) <= MAX_BLOCKS
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block  # to_dict() also checks Slack's length limits
    home = render_home(reply)
    if home["blocks"]:  # a home tab is never empty; Slack refuses one with no blocks
        assert View(type="home", blocks=home["blocks"]).to_dict() == home


def test_a_slack_answer_shows_its_heading_note_and_buttons() -> None:
    reply = Reply(
        text="Top tip",
        sections=(
            Section(
                heading="Top tip",
                text="**Listen** first",
                note="Tip 3",
                buttons=(Button(label="Another", action_id="tip.next", value="3"),),
            ),
        ),
        buttons=(Button(label="Done", action_id="tip.done", style="primary"),),
    )
    blocks = render_message(reply)["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "context", "actions", "actions"]
    assert blocks[0]["text"]["text"] == "Top tip"
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "*Listen* first"}
    assert blocks[2]["elements"][0]["text"] == "Tip 3"
    assert blocks[3]["elements"][0]["value"] == "3"
    assert "value" not in blocks[4]["elements"][0]
    assert blocks[4]["elements"][0]["style"] == "primary"
