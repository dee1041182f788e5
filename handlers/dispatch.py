"""Routes commands and actions to their handlers; the one entry point adapters call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import data_rights, forums, library, lunch, meetings, nudges, reflections, tips
from handlers.context import Context
from handlers.help import help_reply
from handlers.model import Action, Actor, Command, Reply
from handlers.parsing import parse

CommandHandler = Callable[..., Awaitable[Reply]]

COMMANDS: dict[str, CommandHandler] = {
    "tip": tips.tip,
    "resources": library.resources,
    "principles": library.principles,
    "lessons": library.lessons,
    "case": library.case,
    "reflect": reflections.reflect,
    "reflections": reflections.reflections,
    "export": data_rights.export,
    "my-data": data_rights.my_data,
    "forget-me": data_rights.forget_me,
    "forum": forums.forum,
    "meeting": forums.meeting,
    "lunch": lunch.lunch,
    "pause": nudges.pause,
    "resume": nudges.resume,
    "quiet": nudges.quiet,
}


async def handle_command(*, ctx: Context, actor: Actor, command: Command) -> Reply:
    """Run one command. Unknown words get help with a suggestion, never an error."""
    if command.name == "help":
        return help_reply()
    handler = COMMANDS.get(command.name)
    if handler is None:
        return help_reply(unknown=command.name)
    reply: Reply = await handler(ctx=ctx, actor=actor, args=command.args)
    return reply


async def handle_text(*, ctx: Context, actor: Actor, text: str) -> Reply:
    """Parse free text (a slash command's text, a message to the bot) and run it."""
    return await handle_command(ctx=ctx, actor=actor, command=parse(text=text))


async def handle_action(*, ctx: Context, actor: Actor, action: Action) -> Reply:
    """Run a button press; ids are stable so old messages keep working."""
    if action.action_id == tips.ANOTHER:
        return await tips.tip(ctx=ctx, actor=actor, args=())
    if action.action_id == "help.run":
        return await handle_text(ctx=ctx, actor=actor, text=action.value)
    routes = (
        reflections.on_action,
        data_rights.on_action,
        forums.on_action,
        lunch.on_action,
        meetings.on_action,
    )
    for route in routes:
        reply = await route(ctx=ctx, actor=actor, action=action)
        if reply is not None:
            return reply
    return help_reply()
