"""Slack Block Kit from the neutral Reply, written as the plain dicts Slack reads.

Every answer is rendered on the hot path, and slack_sdk's models cost more than the
rest of the rendering (each `to_dict()` validates by reflection). The dicts here are
exactly what those models produce; tests/bot/test_render.py parses every shape back
through slack_sdk to hold them to that, and the fake Web API validates each payload.
"""

from __future__ import annotations

from typing import Any

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


Block = dict[str, Any]


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain_text(_clip(button.label, BUTTON_LABEL_LIMIT)),
        "action_id": button.action_id,
    }
    if button.value:
        element["value"] = button.value
    if button.style:
        element["style"] = button.style
    return element


def _actions(buttons: tuple[Button, ...]) -> Block:
    return {"type": "actions", "elements": [_button(b) for b in buttons[:MAX_BUTTONS]]}


def _section_blocks(section: Section, people: frozenset[str] = frozenset()) -> list[Block]:
    blocks: list[Block] = []
    if section.heading:
        blocks.append({"type": "header", "text": _plain_text(_clip(section.heading, HEADER_LIMIT))})
    for chunk in _chunks(to_mrkdwn(section.text, people=people), SECTION_LIMIT):
        blocks.append({"type": "section", "text": _mrkdwn(chunk)})
    if section.note:
        blocks.append(_context(_clip(to_mrkdwn(section.note, people=people), CONTEXT_LIMIT)))
    if section.buttons:
        blocks.append(_actions(section.buttons))
    return blocks


def render_message(reply: Reply) -> dict[str, Any]:
    """`text` (for notifications and screen readers) plus `blocks`."""
    people = frozenset(reply.mentions)
    blocks: list[Block] = []
    for section in reply.sections:
        blocks.extend(_section_blocks(section, people))
    if reply.buttons:
        blocks.append(_actions(reply.buttons))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], _context("_More than fits here; narrow it._")]
    return {"text": _clip(to_mrkdwn(reply.text, people=people), 3000), "blocks": blocks}


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
            blocks.append({"type": "divider"})
        blocks.extend(_section_blocks(section, people))
    if reply.buttons:
        blocks.append(_actions(reply.buttons))
    return {"type": "home", "blocks": blocks[:HOME_MAX_BLOCKS]}
