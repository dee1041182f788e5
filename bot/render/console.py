"""Plain terminal text from the neutral Reply; buttons become numbered choices."""

from __future__ import annotations

import textwrap

from bot.render.markup import to_plain
from handlers import Button, Reply

WIDTH = 78


def wrap(text: str, indent: str = "") -> str:
    """Our Markdown as plain lines that fit a terminal; bullets keep their hanging indent."""
    lines = []
    for line in to_plain(text).split("\n"):
        if not line.strip():
            lines.append("")
            continue
        bullet = line.startswith("• ")
        lines.append(
            textwrap.fill(
                line,
                width=WIDTH,
                initial_indent=indent,
                subsequent_indent=indent + ("  " if bullet else ""),
            )
        )
    return "\n".join(lines)


def render_console(reply: Reply, *, first: int = 1) -> tuple[str, list[Button]]:
    """The text to print and the buttons in the order their numbers refer to.

    `first` is the number of the first button, when buttons already on screen
    keep theirs.
    """
    parts: list[str] = []
    buttons: list[Button] = []
    if not reply.sections:
        parts.append(wrap(reply.text))
    for section in reply.sections:
        if section.heading:
            heading = section.heading  # plain text on every platform, perhaps typed by someone
            parts.append(f"{heading}\n{'-' * min(len(heading), WIDTH)}")
        parts.append(wrap(section.text))
        if section.note:
            parts.append(wrap(f"({section.note})", indent="  "))
        buttons.extend(section.buttons)
        parts.append("")
    buttons.extend(reply.buttons)
    if buttons:
        parts.append("  ".join(f"[{n}] {b.label}" for n, b in enumerate(buttons, start=first)))
    return "\n".join(parts).rstrip() + "\n", buttons
