"""Logging set-up that keeps people's words out of the logs.

Several libraries log whole request and query payloads at DEBUG, and those
payloads carry reflection text and tokens. They are pinned to WARNING whatever
the root level, so turning on debug logging for our own code stays safe.
"""

from __future__ import annotations

import logging
import sys

PAYLOAD_LOGGERS = (
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "slack_sdk",
    "slack_bolt",
    "aiohttp.client",
    # The Agents SDK logs activities and connector calls, with their ids, at INFO and DEBUG.
    "microsoft_agents",
)


def configure_logging(*, level: int = logging.INFO) -> None:
    """Root logging to stderr at `level`; payload-logging libraries at WARNING at most."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
