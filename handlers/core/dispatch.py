"""Routes commands and actions through the registry; the one entry point adapters call.

The role a command or action needs is checked here, once, before its handler
runs, and a payload that does not decode gets one kind reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from handlers.core.context import Context
from handlers.core.errors import NotFound
from handlers.core.help import RUN, help_reply
from handlers.core.model import Action, Actor, Command, FieldValue, Reply
from handlers.core.organisation import for_organisation
from handlers.core.parsing import parse
from handlers.core.payloads import STALE_MESSAGE, TEXT, StalePayload
from handlers.core.registry import REGISTRY, CommandSpec, Registry, Role, action
from handlers.core.roles import require_admin, require_facilitator


async def handle_command(
    *, ctx: Context, actor: Actor, command: Command, registry: Registry = REGISTRY
) -> Reply:
    """Run one command. Unknown words get help with a suggestion, never an error."""
    spec = registry.command(command.name)
    if spec is None:
        return replace(
            help_reply(unknown=command.name, registry=registry, actor=actor), public=True
        )
    ctx = await for_organisation(ctx=ctx, actor=actor)
    await _authorize_command(ctx=ctx, actor=actor, spec=spec, args=command.args)
    reply = await spec.handler(ctx=ctx, actor=actor, args=command.args)
    # A form or a file is for the asker whatever the command (`case new` is a form).
    shareable = not spec.private and reply.form is None and not reply.attachments
    return replace(reply, public=True) if shareable else reply


async def _authorize_command(
    *, ctx: Context, actor: Actor, spec: CommandSpec, args: tuple[str, ...]
) -> None:
    role = spec.role_for(args)
    if role is Role.MEMBER:
        return
    what = spec.what_for(args)
    if role is Role.ADMIN:
        await require_admin(ctx=ctx, actor=actor, what=what, why=spec.why)
    else:
        await require_facilitator(ctx=ctx, actor=actor, what=what)


async def handle_text(
    *, ctx: Context, actor: Actor, text: str, registry: Registry = REGISTRY
) -> Reply:
    """Parse free text (a slash command's text, a message to the bot) and run it."""
    command = parse(text=text, registry=registry)
    return await handle_command(ctx=ctx, actor=actor, command=command, registry=registry)


async def handle_action(*, ctx: Context, actor: Actor, action: Action) -> Reply:
    """Run a button press or form; ids are stable so old messages keep working."""
    spec = REGISTRY.action(action.action_id)
    if spec is None:
        return help_reply(actor=actor)
    try:
        payload = spec.codec.decode(action.value)
    except StalePayload:
        raise NotFound(STALE_MESSAGE) from None
    ctx = await for_organisation(ctx=ctx, actor=actor)
    if spec.role is Role.FACILITATOR:
        await require_facilitator(ctx=ctx, actor=actor, what=spec.what)
    elif spec.role is Role.ADMIN:
        await require_admin(ctx=ctx, actor=actor, what=spec.what, why=spec.why)
    reply: Reply = await spec.handler(ctx=ctx, actor=actor, payload=payload, values=action.values)
    return reply


@action(RUN, codec=TEXT)
async def run_suggested(
    *, ctx: Context, actor: Actor, payload: str, values: Mapping[str, FieldValue]
) -> Reply:
    """The "Run tip" button under a did-you-mean: runs the command it names."""
    return await handle_text(ctx=ctx, actor=actor, text=payload)
