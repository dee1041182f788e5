"""Logging set-up that keeps people's words out of the logs.

Several libraries log whole request bodies and query parameters, and those carry
reflection text and tokens: Bolt logs a request's body at INFO when its signature
check fails (a common set-up mistake), the Slack SDK logs every call's body at
DEBUG, SQLAlchemy prints an error's parameters. So, whatever the level we run at:

- those libraries' loggers are pinned at WARNING, children included;
- `PrivateRecords` drops their records below WARNING and cuts anything after a
  body-like label from the rest, on our handler and on the libraries' loggers;
- engines hide SQL parameters (`storage.database`).

Our own code logs names, counts and outcomes, never content.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

LIBRARIES = (
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "slack_sdk",
    "slack_bolt",
    "aiohttp.client",
    "aiohttp.access",
    # The Agents SDK logs activities and connector calls, with their ids, at INFO and DEBUG.
    "microsoft_agents",
)

# Whatever follows one of these labels in a library's message is a payload.
_PAYLOAD = re.compile(
    r"\b(body|json_body|body_params|query_params|payload|parameters|params|data|text|activity)"
    r"\s*[:=].*",
    re.IGNORECASE | re.DOTALL,
)
WITHHELD = "(withheld)"

# The attributes every LogRecord has; anything else was passed in `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def _from_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


class PrivateRecords(logging.Filter):
    """Drops libraries' records below WARNING and withholds payloads from the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _from_library(record.name):
            return True
        if record.levelno < logging.WARNING:
            return False
        message = record.getMessage()
        withheld = _PAYLOAD.sub(lambda m: f"{m.group(1)}: {WITHHELD}", message)
        if withheld != message:
            record.msg, record.args = withheld, None
        return True


PRIVATE = PrivateRecords()


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(
            (k, v) for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")
        )
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class _Ours(logging.StreamHandler):  # type: ignore[type-arg]  # typeshed's generic stream
    """Marks the handler we install, so a second set-up replaces it and leaves others alone."""


def library_logger(name: str) -> logging.Logger:
    """A library's base logger, pinned and filtered: Bolt copies its level and filters to
    every logger it makes, which would otherwise take the root's level at that moment."""
    logger = logging.getLogger(name)
    _pin(logger)
    return logger


def _pin(logger: logging.Logger) -> None:
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    if PRIVATE not in logger.filters:
        logger.addFilter(PRIVATE)


def _pin_libraries() -> None:
    # Loggers that already exist may carry a level of their own, copied from the root.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and _from_library(name):
            _pin(logger)
    for name in LIBRARIES:
        _pin(logging.getLogger(name))


def configure_logging(*, level: int = logging.INFO, json_format: bool = False) -> None:
    """Root logging to stderr at `level`, as text or JSON lines; libraries at WARNING."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(handler)
    handler = _Ours(sys.stderr)
    handler.setFormatter(
        JsonLines()
        if json_format
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(PRIVATE)
    root.addHandler(handler)
    root.setLevel(level)
    _pin_libraries()
