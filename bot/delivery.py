"""One path from a request to its outcome, shared by Slack, Teams and the console.

Every edge runs commands, buttons and forms here, so domain errors and database
outages become the same answers everywhere; the edges only translate payloads
in and render outcomes out in their platform's idiom.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot import request_log
from bot.outage import UNAVAILABLE
from bot.posting import Poster, PostFailed
from handlers import (
    Action,
    Actor,
    Context,
    Delivery,
    HandlerError,
    Invalid,
    Reply,
    handle_action,
    handle_text,
    parse,
)
from handlers.core.registry import REGISTRY
from storage import DatabaseUnavailable

log = logging.getLogger(__name__)

FAILED = (
    "Sorry, something went wrong on my side and I couldn't finish that. "
    "Please try again in a minute; if it keeps happening, tell your facilitator."
)


def where_it_failed(exc: BaseException) -> str:
    """The file and line an exception came from, for the log.

    Never the traceback's text or the exception's message: either can quote what
    a person typed, or a query's parameters.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def log_failure(*, what: str, exc: BaseException) -> None:
    """One line naming the command or button and the exception's type, never its content."""
    log.error("%s failed: %s at %s", what, type(exc).__name__, where_it_failed(exc))


class Replayed(Exception):
    """A signed request seen before: it runs no further and nobody is answered."""

    outcome = "replayed"  # the request's log line and /metrics count it as this


@dataclass(frozen=True, kw_only=True, slots=True)
class Answered:
    """The handler's reply, to render and deliver."""

    reply: Reply


@dataclass(frozen=True, kw_only=True, slots=True)
class Refused:
    """What could not be done, worded for the person; `outage` when the database was down."""

    message: str
    outage: bool = False

    @property
    def reply(self) -> Reply:
        return Reply(text=self.message)

    def on_form(self, *, first: str, unavailable_form: str) -> dict[str, str]:
        """The refusal under a form's first field, where a platform keeps a form open.

        An outage names the button to press again, so the person keeps their text.
        """
        return {first: unavailable_form if self.outage else self.message}


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldErrors:
    """A form to show again with what was typed: each problem under its field."""

    errors: Mapping[str, str]


Outcome = Answered | Refused
FormOutcome = Answered | Refused | FieldErrors


async def _outcome(produce: Callable[[], Awaitable[Reply]], *, what: str) -> Outcome:
    try:
        return Answered(reply=await produce())
    except HandlerError as exc:
        return Refused(message=exc.message)
    except Replayed:
        raise
    except DatabaseUnavailable:
        log.warning("database unavailable while answering %s", what)
        return Refused(message=UNAVAILABLE, outage=True)
    except Exception as exc:  # a person is waiting: they get an answer, the log one line
        log_failure(what=what, exc=exc)
        return Refused(message=FAILED)


def command_name(text: str) -> str:
    """What the log may say about typed words: the command they name, never the words."""
    try:
        name = parse(text=text).name
    except Exception:  # naming a failure must never fail itself
        return "a command"
    # An unknown first word is kept as the name, and it is someone's typing.
    return f"command {name!r}" if REGISTRY.command(name) else "an unknown command"


def _no_nul(text: str) -> str:
    # PostgreSQL refuses NUL in text, and no one means one: it is dropped on the way in.
    return text.replace("\x00", "")


def _clean(action: Action) -> Action:
    """The action with NUL bytes dropped from its value and every answer."""
    values = {
        key: _no_nul(v) if isinstance(v, str) else tuple(_no_nul(c) for c in v)
        for key, v in action.values.items()
    }
    return replace(action, value=_no_nul(action.value), values=values)


def _word(outcome: FormOutcome) -> str:
    """The outcome as the request's log line names it."""
    if isinstance(outcome, Answered):
        return "ok"
    if isinstance(outcome, FieldErrors):
        return "invalid"
    return "outage" if outcome.outage else "refused"


async def run_command(*, ctx: Context, actor: Actor, text: str) -> Outcome:
    """Run typed words (a slash command, a mention, a chat message)."""
    text = _no_nul(text)
    with request_log.running(command=request_log.command_name(text)) as note:
        outcome = await _outcome(
            lambda: handle_text(ctx=ctx, actor=actor, text=text), what=command_name(text)
        )
        note.outcome = _word(outcome)
        return outcome


async def run_action(*, ctx: Context, actor: Actor, action: Action) -> Outcome:
    """Run a button press."""
    action = _clean(action)
    with request_log.running(command=request_log.action_name(action), kind="action") as note:
        outcome = await _outcome(
            lambda: handle_action(ctx=ctx, actor=actor, action=action),
            what=action_name(action.action_id),
        )
        note.outcome = _word(outcome)
        return outcome


def action_name(action_id: str) -> str:
    """A button or form for the log: its id when it is one of ours, else not the id sent."""
    return f"action {action_id!r}" if REGISTRY.action(action_id) else "an unknown action"


def _field_errors(exc: Invalid, fields: Sequence[str]) -> FieldErrors | Refused:
    """Errors for the fields the form shows; a summary goes under the first field.

    With no field to put it under (a form that had none), it is a plain refusal.
    """
    errors = {k: v for k, v in exc.errors.items() if k in fields}
    if errors:
        return FieldErrors(errors=errors)
    if fields:
        return FieldErrors(errors={fields[0]: exc.message})
    return Refused(message=exc.message)


async def submit_form(
    *, ctx: Context, actor: Actor, action: Action, fields: Sequence[str]
) -> FormOutcome:
    """Validate and save a form whose inputs are `fields` (ids, in the order shown)."""
    action = _clean(action)
    with request_log.running(command=request_log.action_name(action), kind="form") as note:
        outcome = await _submitted(ctx=ctx, actor=actor, action=action, fields=fields)
        note.outcome = _word(outcome)
        return outcome


async def _submitted(
    *, ctx: Context, actor: Actor, action: Action, fields: Sequence[str]
) -> FormOutcome:
    try:
        return Answered(reply=await handle_action(ctx=ctx, actor=actor, action=action))
    except Invalid as exc:
        return _field_errors(exc, fields)
    except HandlerError as exc:
        return Refused(message=exc.message)
    except Replayed:
        raise
    except DatabaseUnavailable:
        log.warning("database unavailable at a form submission; the form keeps its text")
        return Refused(message=UNAVAILABLE, outage=True)
    except Exception as exc:  # the modal must still be answered within Slack's 3 seconds
        log_failure(what=action_name(action.action_id), exc=exc)
        return Refused(message=FAILED)


async def post_follow_ups(*, poster: Poster, reply: Reply) -> None:
    """Send a reply's channel posts and DMs; one that fails does not stop the rest."""
    for post in reply.also_post:
        try:
            await poster.post(
                target=post.channel,
                reply=post.reply,
                direct=post.reply.delivery is Delivery.DM,
                update=post.update,
                thread=post.thread,
            )
        except PostFailed as exc:
            log.warning("a follow-up post failed: %s", exc.reason)
