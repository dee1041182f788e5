"""The local console: the same handlers in a terminal, no credentials needed.

Interactive at a terminal; when stdin is piped it reads line by line and ends
at end of input, so it can be scripted and tested.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import signal
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import Clock
from bot.console_forms import Cancelled, fill_form
from bot.console_input import History, Keep, LineReader, kept_terminal, worth_remembering
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
    parse,
)
from handlers.core.registry import REGISTRY
from handlers.core.roles import ADMIN, FACILITATOR

BANNER = (
    "CCPL learning network: local console.\n"
    "Type `tip`, `resources`, `principles`, `lessons`, `case`, `reflect` or `help` "
    "(with or without /ccpl). A number presses a button; Up recalls a command. "
    "`quit`, Ctrl-D or Ctrl-C leaves.\n"
)
UNAVAILABLE = "Sorry, I couldn't reach my database just now. Please try again."
INTERRUPTED = "Stopped. Anything not yet saved was left unsaved. Goodbye."
CONSOLE_CHANNEL = "console"  # the console's one channel, #console
PROMPT = "ccpl> "


class Console:
    """One person's session at the terminal.

    Every button printed gets a number, whether on a reply, on a post the reply
    made (a poll, a lunch announcement) or on a scheduled post, and typing the
    number presses it. The numbers start again at 1 with the first buttons a
    command shows; posts that arrive between commands continue them, so the
    buttons still on screen keep their numbers.
    """

    def __init__(
        self,
        *,
        ctx: Context,
        stdin: TextIO,
        stdout: TextIO,
        actor: Actor,
        files: Path,
        history: History | None = None,
    ) -> None:
        self.ctx = ctx
        self.stdout = stdout
        self.actor = actor
        self.files = files
        self.interactive = stdin.isatty()
        self.reader = LineReader(stdin=stdin, history=history)
        self.buttons: list[Button] = []
        self._renumber = True
        self._answering = False
        self._held: list[tuple[str, Reply]] = []
        self.poster = ConsolePoster(console=self)

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    async def read(self, prompt: str) -> str | None:
        """A line typed into a form: never kept in the history."""
        return await self._read(prompt)

    async def _read(self, prompt: str, *, keep: Keep | None = None) -> str | None:
        if self.interactive and not self.reader.terminal:
            self.write(prompt)
        return await self.reader.read(prompt, keep=keep)

    async def run(self) -> None:
        if self.interactive:
            self.write(BANNER + "\n")
        while (line := await self._read(PROMPT, keep=worth_remembering)) is not None:
            line = line.strip()
            if not line:
                continue
            if line.lower() in ("quit", "exit", "/quit"):
                break
            await self.answer(line)

    async def answer(self, line: str) -> None:
        """Run one line and show everything it caused, the reply first."""
        self._answering, self._renumber = True, True
        try:
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
                await post_follow_ups(poster=self.poster, reply=outcome.reply)
        finally:
            self._answering = False
            held, self._held = self._held, []
            for heading, reply in held:
                self.show_post(heading, reply, after_reply=True)
            # Whatever this line showed, posts arriving later continue its numbers.
            self._renumber = False

    async def _run(self, line: str) -> Outcome:
        """A number presses the button shown with that number; anything else is a command."""
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            pressed = self.buttons[int(line) - 1]
            action = Action(action_id=pressed.action_id, value=pressed.value)
            return await run_action(ctx=self.ctx, actor=self.actor, action=action)
        return await run_command(ctx=self.ctx, actor=self.actor, text=in_console_terms(line))

    async def submit(self, form: Form) -> Outcome:
        """Fill in and submit a form until it is accepted or the person cancels."""
        action = await fill_form(form=form, read=self.read, write=self.write)
        fields = [f.id for f in form.fields]
        while True:
            outcome = await submit_form(
                ctx=self.ctx, actor=self.actor, action=action, fields=fields
            )
            if isinstance(outcome, FieldErrors):
                # Every problem at once; only those fields are asked again.
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
        renumber = self._renumber
        first = 1 if renumber else len(self.buttons) + 1
        text, buttons = render_console(reply, first=first)
        if buttons:
            self.buttons = buttons if renumber else [*self.buttons, *buttons]
            self._renumber = False
        self.write(text + "\n")
        for attachment in reply.attachments:
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / attachment.filename
            path.write_bytes(attachment.content)
            self.write(f"Saved {attachment.title} to {path}\n")
        if reply.attachments:
            self.write("\n")

    def show_post(self, heading: str, reply: Reply, *, after_reply: bool = False) -> None:
        """A post to the channel or a direct message; held until the reply that made it
        has been shown, so an answer always comes first."""
        if self._answering:
            self._held.append((heading, reply))
            return
        if after_reply:
            self.write(f"[{heading}]\n")
            self.show(reply)
            return
        # Between commands a post lands on the prompt line: it starts on a line of its
        # own, and the prompt is shown again under it.
        self.write(f"\n[{heading}]\n")
        self.show(reply)
        if self.interactive:
            self.write(PROMPT)


def in_console_terms(line: str) -> str:
    """`#console` as a channel reference, as Slack sends `<#C123|name>` for `#name`,
    for the commands whose usage names a `#channel`; anyone's writing stays as typed.

    The console has one channel, so that is the one name it knows.
    """
    spec = REGISTRY.command(parse(text=line).name)
    if spec is None or "#channel" not in spec.usage:
        return line
    named = f"#{CONSOLE_CHANNEL}"
    reference = f"<#{CONSOLE_CHANNEL}|{CONSOLE_CHANNEL}>"
    return " ".join(reference if word.lower() == named else word for word in line.split(" "))


class ConsolePoster:
    """Posts to #console and direct messages, printed in the console with their buttons.

    Both a reply's own posts (a vote updating its poll) and the outbox's (a poll or
    lunch announcement, a reminder) come here: the console has nowhere else to show them.
    """

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
        verb = "updated post" if update else "pinned post" if pin else "post"
        self.console.show_post(f"{verb} in {where}", reply)
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
    history: Path | None = None,
    interrupt: bool = False,
) -> None:
    """Read commands until end of input, `quit` or (with `interrupt`) Ctrl-C; print each
    reply and anything scheduled. `history` is where a terminal's command history is kept."""
    name = user or getpass.getuser()
    actor = Actor(
        platform=Platform.CONSOLE,
        workspace="local",
        user=name,
        name=name,
        channel=CONSOLE_CHANNEL,
    )
    console = Console(
        ctx=ctx,
        stdin=stdin,
        stdout=stdout,
        actor=actor,
        files=files,
        history=History(path=history),
    )
    clock = Clock(
        ctx=ctx,
        sender=OutboxSender(ctx=ctx, poster=console.poster),
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
        with kept_terminal(stdin):
            console.reader.start()
            try:
                await _until_interrupted(console, interrupt=interrupt)
            finally:
                console.reader.stop()
    finally:
        await clock.stop()


async def _until_interrupted(console: Console, *, interrupt: bool) -> None:
    """Run the session; Ctrl-C ends it as `quit` would, even mid-form, with nothing
    half-saved (the form is dropped, any transaction rolled back) and no traceback."""
    session = asyncio.create_task(console.run())
    if not interrupt:
        await session
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, session.cancel)
    try:
        await session
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the console itself is being stopped, not interrupted
        console.write(f"\n{INTERRUPTED}\n")
    finally:
        loop.remove_signal_handler(signal.SIGINT)
