"""Prometheus metrics at `/metrics`: what an operator watches, never what anyone wrote.

Names come from the registry (an unknown command is `unknown`), platforms and
outcomes from a short fixed list, so no label carries typed text and the number
of series stays bounded. Each process keeps its own counters: scrape every web
process (and read the outbox gauges from any one, as they come from the database).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from storage import Database
from storage.outbox import backlog, scheduler_elected

log = logging.getLogger(__name__)

# The database answers within this at scrape time, or the gauges say it did not.
SCRAPE_DB_TIMEOUT = 2.0

REGISTRY = CollectorRegistry()
ANSWERS = Counter(
    "ccpl_answers",
    "Commands and actions run, by the registry's name and the outcome",
    ["kind", "name", "outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "ccpl_answer_seconds",
    "Time to answer a command or action, in seconds (Slack allows 3 to acknowledge)",
    ["kind"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)
POSTS = Counter(
    "ccpl_outbox_posts",
    "Outbox rows this process tried to send, by platform and result "
    "(sent, retried, failed, skipped)",
    ["platform", "result"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "ccpl_rate_limited",
    "429 answers from a platform's API (each is waited out and retried)",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge("ccpl_outbox_depth", "Outbox rows due now and not yet sent", registry=REGISTRY)
OUTBOX_OLDEST = Gauge(
    "ccpl_outbox_oldest_due_seconds",
    "How long the oldest unsent due row has waited, in seconds (0 when none)",
    registry=REGISTRY,
)
DATABASE_UP = Gauge(
    "ccpl_database_up", "1 when the database answered this scrape in time", registry=REGISTRY
)
LEADER = Gauge("ccpl_scheduler_leader", "1 when this process runs the clock", registry=REGISTRY)
ELECTED = Gauge(
    "ccpl_scheduler_elected",
    "1 when some process holds the scheduler lock (PostgreSQL; on SQLite, this process)",
    registry=REGISTRY,
)


def answered(*, kind: str, name: str, outcome: str, seconds: float) -> None:
    """Count one command or action; `name` must be the registry's, never typed text."""
    ANSWERS.labels(kind=kind, name=name, outcome=outcome).inc()
    ANSWER_SECONDS.labels(kind=kind).observe(seconds)


def posted(*, platform: str, result: str) -> None:
    POSTS.labels(platform=platform, result=result).inc()


def rate_limited(*, platform: str) -> None:
    RATE_LIMITED.labels(platform=platform).inc()


def authorised(*, header: str | None, token: str | None) -> bool:
    """No token set: open. Otherwise exactly `Bearer <token>`, compared in constant time."""
    if token is None:
        return True
    given = (header or "").encode()
    return hmac.compare_digest(given, f"Bearer {token}".encode())


async def _read_database(*, database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        waiting = await backlog(session, now=now)
        elected = await scheduler_elected(session) if database.is_postgres else None
    OUTBOX_DEPTH.set(waiting.depth)
    age = (now - waiting.oldest_due).total_seconds() if waiting.oldest_due else 0.0
    OUTBOX_OLDEST.set(max(age, 0.0))
    if elected is not None:
        ELECTED.set(int(elected))


async def exposition(
    *, database: Database, now: Callable[[], datetime], leads: Callable[[], bool]
) -> tuple[bytes, str]:
    """The text Prometheus reads, with the database's gauges read now, within a deadline."""
    LEADER.set(int(leads()))
    if database.is_sqlite:
        ELECTED.set(int(leads()))
    try:
        async with asyncio.timeout(SCRAPE_DB_TIMEOUT):
            await _read_database(database=database, now=now())
        DATABASE_UP.set(1)
    except Exception as exc:  # a sick database is itself what the scrape should show
        log.warning("metrics could not read the database: %s", type(exc).__name__)
        DATABASE_UP.set(0)
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
