"""The local console: the same handlers in a terminal, no credentials needed.

Interactive at a terminal; when stdin is piped it reads line by line and ends
at end of input, so it can be scripted and tested.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import Clock
from bot.console_forms import Cancelled, fill_form
from bot.delivery import (
    Answered,
    FieldErrors,
    Outcome,
    Refused,
    post_follow_ups,
    run_action,
    run_command,
    submit_form,
)
from bot.leader import Leadership
from bot.outbox_sender import OutboxSender
from bot.render.console import render_console
from handlers import (
    Action,
    Actor,
    Button,
    Context,
    Form,
    Platform,
    Reply,
)
from handlers.core.roles import ADMIN, FACILITATOR

BANNER = (
    "CCPL learning network: local console.\n"
    "Type `tip`, `resources`, `principles`, `lessons`, `case`, `reflect` or `help` "
    "(with or without /ccpl). A number presses a button. `quit` or Ctrl-D leaves.\n"
)
UNAVAILABLE = "Sorry, I couldn't reach my database just now. Please try again."


class Console:
    """One person's session at the terminal."""

    def __init__(
        self, *, ctx: Context, stdin: TextIO, stdout: TextIO, actor: Actor, files: Path
    ) -> None:
        self.ctx = ctx
        self.stdin = stdin
        self.stdout = stdout
        self.actor = actor
        self.files = files
        self.interactive = stdin.isatty()
        self.buttons: list[Button] = []
        self.follow_ups = FollowUpPrinter(console=self)

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    async def read(self, prompt: str) -> str | None:
        if self.interactive:
            self.write(prompt)
        line = await asyncio.to_thread(self.stdin.readline)
        return line.rstrip("\n") if line else None

    async def run(self) -> None:
        if self.interactive:
            self.write(BANNER + "\n")
        while (line := await self.read("ccpl> ")) is not None:
            line = line.strip()
            if not line:
                continue
            if line.lower() in ("quit", "exit", "/quit"):
                break
            await self.answer(line)

    async def answer(self, line: str) -> None:
        outcome = await self._run(line)
        if isinstance(outcome, Answered) and outcome.reply.form is not None:
            try:
                outcome = await self.submit(outcome.reply.form)
            except Cancelled:
                outcome = Answered(reply=Reply(text="Cancelled; nothing was saved."))
        if isinstance(outcome, Refused) and outcome.outage:
            outcome = Refused(message=UNAVAILABLE, outage=True)
        self.show(outcome.reply)
        if isinstance(outcome, Answered):
            await post_follow_ups(poster=self.follow_ups, reply=outcome.reply)

    async def _run(self, line: str) -> Outcome:
        """A number presses the button shown with that number; anything else is a command."""
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            pressed = self.buttons[int(line) - 1]
            action = Action(action_id=pressed.action_id, value=pressed.value)
            return await run_action(ctx=self.ctx, actor=self.actor, action=action)
        return await run_command(ctx=self.ctx, actor=self.actor, text=line)

    async def submit(self, form: Form) -> Outcome:
        """Fill in and submit a form until it is accepted or the person cancels."""
        action = await fill_form(form=form, read=self.read, write=self.write)
        fields = [f.id for f in form.fields]
        while True:
            outcome = await submit_form(
                ctx=self.ctx, actor=self.actor, action=action, fields=fields
            )
            if isinstance(outcome, FieldErrors):
                # Only the fields with a problem are asked again; the rest are kept.
                action = await fill_form(
                    form=form,
                    read=self.read,
                    write=self.write,
                    values=dict(action.values),
                    errors=dict(outcome.errors),
                )
            elif isinstance(outcome, Refused) and outcome.outage:
                await self._retry_or_cancel()
            else:
                return outcome

    async def _retry_or_cancel(self) -> None:
        self.write(f"{UNAVAILABLE} Press Enter to try saving again, or type cancel.\n")
        answer = await self.read("> ")
        if answer is None or answer.strip().lower() == "cancel":
            raise Cancelled

    def show(self, reply: Reply) -> None:
        text, self.buttons = render_console(reply)
        self.write(text + "\n")
        for attachment in reply.attachments:
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / attachment.filename
            path.write_bytes(attachment.content)
            self.write(f"Saved {attachment.title} to {path}\n")


class FollowUpPrinter:
    """A reply's channel posts and DMs, printed under it: the console has nowhere else."""

    def __init__(self, *, console: Console) -> None:
        self.console = console

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        posted, _ = render_console(reply)
        self.console.write(f"(posted to {target}:)\n{posted}\n")
        return update


class ConsolePoster:
    """Scheduled posts, printed as they fall due while the console is open."""

    def __init__(self, *, console: Console) -> None:
        self.console = console
        self.count = 0

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        where = "direct message" if direct else f"#{target}"
        verb = "updated" if update else "pinned post" if pin else "post"
        self.console.write(f"\n[{verb} in {where}]\n")
        self.console.show(reply)
        self.count += 1
        return update or f"console-{self.count}"


async def local_facilitator(actor: Actor) -> frozenset[str]:
    """At the console you run your own network: you are its facilitator and admin."""
    return frozenset({FACILITATOR, ADMIN})


async def console_members(actor: Actor, channel: str) -> list[str]:
    """The console's one channel has one member: you."""
    return [actor.user]


async def run_console(
    *,
    ctx: Context,
    stdin: TextIO,
    stdout: TextIO,
    user: str | None = None,
    files: Path = Path("exports"),
    grace: timedelta = timedelta(hours=6),
) -> None:
    """Read commands until end of input or `quit`; print each reply and anything scheduled."""
    name = user or getpass.getuser()
    actor = Actor(
        platform=Platform.CONSOLE, workspace="local", user=name, name=name, channel="console"
    )
    console = Console(ctx=ctx, stdin=stdin, stdout=stdout, actor=actor, files=files)
    clock = Clock(
        ctx=ctx,
        sender=OutboxSender(ctx=ctx, poster=ConsolePoster(console=console)),
        leadership=Leadership(database=ctx.database),
        grace=grace,
    )
    console.ctx = dataclasses.replace(
        ctx,
        resolve_roles=local_facilitator,
        schedules_changed=clock.changed,
        channel_members=console_members,
    )
    await clock.start()
    try:
        await console.run()
    finally:
        await clock.stop()
