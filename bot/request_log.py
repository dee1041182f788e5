"""One log line per request: route, command name, outcome, status and time; never content.

The HTTP middleware opens a note for the request; `bot.delivery` adds the command's
name (from the registry, never the typed text) and its outcome. Slack's work runs
after the ack, so the line is written when the last of the two ends, with the time
to the ack and the time to the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot import metrics
from handlers import Action, parse
from handlers.core.registry import REGISTRY

log = logging.getLogger("ccpl.requests")

UNKNOWN = "unknown"
# An HTTP status alone, when no command ran (a refused signature, /healthz).
_BY_STATUS = {2: "ok", 4: "refused", 5: "error"}


@dataclass(kw_only=True)
class RequestNote:
    route: str
    started: float = field(default_factory=time.monotonic)
    command: str | None = None
    outcome: str | None = None
    status: int | None = None
    acked_ms: int | None = None
    pending: int = 0

    def open(self) -> None:
        self.pending += 1

    def close(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            self._write()

    def _write(self) -> None:
        ms = round((time.monotonic() - self.started) * 1000)
        outcome = self.outcome or _status_outcome(self.status)
        # A load balancer asks /healthz, and Prometheus /metrics, every few seconds: only
        # a sick answer is news.
        quiet = self.route in ("/healthz", "/metrics") and outcome == "ok"
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s in %d ms",
            self.route,
            self.command or "-",
            outcome,
            ms,
            extra={
                "route": self.route,
                "command": self.command,
                "outcome": outcome,
                "status": self.status,
                "ack_ms": self.acked_ms,
                "ms": ms,
            },
        )


def _status_outcome(status: int | None) -> str:
    if status == 400:
        return "invalid"
    if status == 503:
        return "outage"
    return _BY_STATUS.get((status or 500) // 100, "error")


_NOTE: ContextVar[RequestNote | None] = ContextVar("ccpl_request_note", default=None)


@contextmanager
def request(*, route: str) -> Iterator[RequestNote]:
    """The note of one HTTP request, seen by whatever it starts, tasks included."""
    note = RequestNote(route=route)
    note.open()
    token = _NOTE.set(note)
    try:
        yield note
    finally:
        _NOTE.reset(token)
        note.acked_ms = round((time.monotonic() - note.started) * 1000)
        note.close()


@contextmanager
def running(*, command: str, kind: str = "command") -> Iterator[RequestNote]:
    """Work for a command or action (`kind`), inside a request's note or (console, Socket
    Mode) its own; counted in /metrics by name and outcome when it ends."""
    note = _NOTE.get() or RequestNote(route="-")
    note.command = command
    note.open()
    started = time.monotonic()
    try:
        yield note
    except BaseException as exc:
        # A replayed request is dropped on purpose, and says so (bot/delivery.py).
        note.outcome = getattr(exc, "outcome", "error")
        raise
    finally:
        metrics.answered(
            kind=kind,
            name=command,
            outcome=note.outcome or "error",
            seconds=time.monotonic() - started,
        )
        note.close()


def command_name(text: str) -> str:
    """The registry's name for what was typed; anything else is not repeated."""
    name = parse(text=text).name
    return name if REGISTRY.command(name) is not None else UNKNOWN


def action_name(action: Action) -> str:
    return action.action_id if REGISTRY.action(action.action_id) is not None else UNKNOWN
