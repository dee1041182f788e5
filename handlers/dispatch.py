"""Routes commands and actions to their handlers; the one entry point adapters call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import (
    checkins,
    data_rights,
    facilitators,
    forums,
    library,
    lunch,
    meetings,
    nudges,
    polls,
    privacy,
    profile,
    reflections,
    room,
    tips,
)
from handlers.context import Context
from handlers.errors import NotAllowed
from handlers.help import help_reply
from handlers.model import Action, Actor, Command, Reply
from handlers.parsing import parse
from handlers.quiet_report import quiet_report


async def quiet(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """One word, two uses: a member's quiet hours, or a facilitator's quiet report."""
    if args and nudges.is_quiet_hours(args):
        return await nudges.quiet(ctx=ctx, actor=actor, args=args)
    try:
        return await quiet_report(ctx=ctx, actor=actor, args=args)
    except NotAllowed as exc:
        raise NotAllowed(
            f"{exc.message} To set hours when no direct message reaches you, use "
            "`/ccpl quiet 19:00-08:00`."
        ) from None


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
    "quiet": quiet,
    "quiet-hours": nudges.quiet,
    "facilitators": facilitators.facilitators,
    "audit": facilitators.audit_log,
    "check-in": checkins.check_in,
    "privacy": privacy.privacy,
    "poll": polls.poll,
    "profile": profile.profile,
    "room": room.room,
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
        facilitators.on_action,
        checkins.on_action,
        privacy.on_action,
        polls.on_action,
        profile.on_action,
    )
    for route in routes:
        reply = await route(ctx=ctx, actor=actor, action=action)
        if reply is not None:
            return reply
    return help_reply()
