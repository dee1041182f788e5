"""The local console: the same handlers in a terminal, no credentials needed.

Interactive at a terminal; when stdin is piped it reads line by line and ends
at end of input, so it can be scripted and tested.
"""

from __future__ import annotations

import asyncio
import getpass
from typing import TextIO

from bot.render.console import render_console
from handlers import (
    Action,
    Actor,
    Button,
    Context,
    HandlerError,
    Platform,
    Reply,
    handle_action,
    handle_text,
)
from storage import DatabaseUnavailable

BANNER = (
    "CCPL learning network: local console.\n"
    "Type `tip`, `resources`, `principles`, `lessons`, `case` or `help` "
    "(with or without /ccpl). A number presses a button. `quit` or Ctrl-D leaves.\n"
)
UNAVAILABLE = "Sorry, I couldn't reach my database just now. Please try again."


async def _respond(
    *, ctx: Context, actor: Actor, line: str, buttons: list[Button]
) -> tuple[str, list[Button]]:
    try:
        reply: Reply
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            pressed = buttons[int(line) - 1]
            action = Action(action_id=pressed.action_id, value=pressed.value)
            reply = await handle_action(ctx=ctx, actor=actor, action=action)
        else:
            reply = await handle_text(ctx=ctx, actor=actor, text=line)
    except HandlerError as exc:
        text, _ = render_console(Reply(text=exc.message))
        return text, buttons
    except DatabaseUnavailable:
        return UNAVAILABLE + "\n", buttons
    return render_console(reply)


async def run_console(
    *, ctx: Context, stdin: TextIO, stdout: TextIO, user: str | None = None
) -> None:
    """Read commands until end of input or `quit`; print each reply."""
    interactive = stdin.isatty()
    actor = Actor(platform=Platform.CONSOLE, workspace="local", user=user or getpass.getuser())
    if interactive:
        stdout.write(BANNER + "\n")
    buttons: list[Button] = []
    while True:
        if interactive:
            stdout.write("ccpl> ")
            stdout.flush()
        raw = await asyncio.to_thread(stdin.readline)
        if not raw:
            break
        line = raw.strip()
        if not line:
            continue
        if line.lower() in ("quit", "exit", "/quit"):
            break
        text, buttons = await _respond(ctx=ctx, actor=actor, line=line, buttons=buttons)
        stdout.write(text + "\n")
        stdout.flush()
