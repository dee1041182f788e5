"""Slack Block Kit from the neutral Reply, built with slack_sdk's own models."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.markup import to_mrkdwn
from handlers import Button, Reply, Section

SECTION_LIMIT = 3000  # characters in one section's text
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
BUTTON_LABEL_LIMIT = 75
MAX_BLOCKS = 50
MAX_BUTTONS = 25


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line breaks so long lists stay readable across sections."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            head, line = line[:limit], line[limit:]
            if current:
                chunks.append(current)
                current = ""
            chunks.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return chunks


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(button: Button) -> ButtonElement:
    return ButtonElement(
        text=_clip(button.label, BUTTON_LABEL_LIMIT),
        action_id=button.action_id,
        value=button.value or None,
        style=button.style,
    )


def _section_blocks(section: Section, people: frozenset[str] = frozenset()) -> list[Block]:
    blocks: list[Block] = []
    if section.heading:
        blocks.append(HeaderBlock(text=_clip(section.heading, HEADER_LIMIT)))
    for chunk in _chunks(to_mrkdwn(section.text, people=people), SECTION_LIMIT):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    if section.note:
        note = _clip(to_mrkdwn(section.note, people=people), CONTEXT_LIMIT)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    if section.buttons:
        blocks.append(ActionsBlock(elements=[_button(b) for b in section.buttons[:MAX_BUTTONS]]))
    return blocks


def render_message(reply: Reply) -> dict[str, Any]:
    """`text` (for notifications and screen readers) plus `blocks`."""
    people = frozenset(reply.mentions)
    blocks: list[Block] = []
    for section in reply.sections:
        blocks.extend(_section_blocks(section, people))
    if reply.buttons:
        blocks.append(ActionsBlock(elements=[_button(b) for b in reply.buttons[:MAX_BUTTONS]]))
    if len(blocks) > MAX_BLOCKS:
        more = ContextBlock(elements=[MarkdownTextObject(text="_More than fits here; narrow it._")])
        blocks = [*blocks[: MAX_BLOCKS - 1], more]
    return {
        "text": _clip(to_mrkdwn(reply.text, people=people), 3000),
        "blocks": [b.to_dict() for b in blocks],
    }


def render_error(message: str, *, mentions: tuple[str, ...] = ()) -> dict[str, Any]:
    """A plain message with no sections: an error, or a short post."""
    return render_message(Reply(text=message, sections=(Section(text=message),), mentions=mentions))


HOME_MAX_BLOCKS = 100


def render_home(reply: Reply) -> dict[str, Any]:
    """A Home tab view: the reply's sections, separated, within Slack's 100-block limit."""
    people = frozenset(reply.mentions)
    blocks: list[Block] = []
    for section in reply.sections:
        if blocks:
            blocks.append(DividerBlock())
        blocks.extend(_section_blocks(section, people))
    if reply.buttons:
        blocks.append(ActionsBlock(elements=[_button(b) for b in reply.buttons[:MAX_BUTTONS]]))
    view = View(type="home", blocks=blocks[:HOME_MAX_BLOCKS])
    return dict(view.to_dict())
