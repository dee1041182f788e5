"""The help reply, also the answer to anything the bot does not understand.

Its lines come from the registry, so every declared command is listed.
"""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.model import Actor, Button, Platform, Reply, Section
from handlers.core.parsing import suggest
from handlers.core.registry import REGISTRY, Registry, command

RUN = "help.run"


def help_lines(*, registry: Registry = REGISTRY) -> tuple[tuple[str, str], ...]:
    """(usage, what it does) for every command, in help order."""
    return tuple(line for spec in registry.commands() for line in spec.help_lines())


def _opening(actor: Actor | None) -> str:
    """How to run a command where this person is reading: Slack's slash command,
    an @mention in a Teams channel, the bare words in a personal chat."""
    if actor is None or actor.platform is not Platform.TEAMS:
        return "Type `/ccpl` followed by one of these:"
    if actor.channel is None:
        return "Type one of these here:"
    return "Mention me, **@CCPL**, followed by one of these:"


def _usage(usage: str, actor: Actor | None) -> str:
    # A Teams renderer shows `/ccpl tip` as each conversation expects it.
    in_teams = actor is not None and actor.platform is Platform.TEAMS
    return f"`/ccpl {usage}`" if in_teams else f"`{usage}`"


def help_reply(
    *, unknown: str | None = None, registry: Registry = REGISTRY, actor: Actor | None = None
) -> Reply:
    """List the commands; when a word was not understood, say so kindly and guess."""
    lines = "\n".join(
        f"• {_usage(usage, actor)}: {what}" for usage, what in help_lines(registry=registry)
    )
    sections: list[Section] = []
    buttons: tuple[Button, ...] = ()
    if unknown:
        shown = unknown if len(unknown) <= 40 else unknown[:39] + "…"
        guess = suggest(word=unknown, registry=registry)
        if guess:
            opening = f"I don't know `{shown}`. Did you mean `{guess}`?"
            buttons = (Button(action_id=RUN, label=f"Run {guess}", value=guess),)
        else:
            opening = f"I don't know `{shown}`. Here is what I can do."
        sections.append(Section(text=opening, buttons=buttons))
    sections.append(Section(heading="CCPL learning network", text=f"{_opening(actor)}\n{lines}"))
    summary = sections[0].text if unknown else "Here is what I can do."
    return Reply(text=summary, sections=tuple(sections))


@command(
    name="help",
    private=False,
    aliases=("?", "hi", "hello"),
    usage="help",
    summary="this list",
    order=1000,
)
async def show_help(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`help`: everything the bot can do."""
    return help_reply(actor=actor)
