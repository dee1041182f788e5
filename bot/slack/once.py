"""A signed command or interaction runs once, claimed in the command's own transaction.

Slack signs each request with a timestamp; the same bytes sent again inside the
signature's window (by an attacker, or a proxy retrying) must not run twice, in this
process or another. The claim is a row in `processed_events` keyed by a digest of the
signature. Claiming it in a transaction of its own before the ack cost a session and a
commit on every command (bench/README.md); instead the first transaction the command
opens inserts the claim before anything else, so the claim commits with the command's
work or not at all. A request that ends with nothing claimed (help, a form opened, a
handler that refused before writing) claims on its own before anything is delivered.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import Replayed
from handlers import Platform
from storage import Database, DatabaseUnavailable, Direct, claim_request, claim_request_directly

log = logging.getLogger(__name__)

# Slack refuses a signature older than five minutes; a digest is kept a little longer.
REPLAY_WINDOW = timedelta(minutes=10)
# A claim made on its own must not hold a person's answer for long on a slow database.
REPLAY_CHECK_BUDGET = 1.0
_INTERACTIONS = ("block_actions", "view_submission")
DIGEST_KEY = "ccpl_signed_once"  # where RunOnce leaves the digest in Bolt's context


def signed_once(req: AsyncBoltRequest) -> str | None:
    """A digest naming this exact signed request, or None when it needs no claim."""
    body = req.body
    if not ("command" in body or body.get("type") in _INTERACTIONS):
        return None  # events carry their own id, and are claimed by it
    signature = (req.headers.get("x-slack-signature") or [""])[0]
    timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
    if not signature:
        return None  # unsigned only in Socket Mode, where Slack does not replay
    return hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class ClaimingDatabase(Database):
    """The database for one signed request: its first transaction carries the claim.

    A replay finds the claim taken and raises `Replayed` before the command reads or
    writes anything, and its transaction rolls back. Transactions of the same request
    that start while the claiming one is open wait for it, so a request never meets its
    own claim.
    """

    def __init__(
        self, database: Database, *, workspace: str, digest: str, now: datetime
    ) -> None:  # no engine of its own
        self.wrapped = database
        self.workspace = workspace
        self.digest = digest
        self.now = now
        self.claimed = False
        self._claiming = asyncio.Lock()

    def __getattr__(self, name: str) -> Any:
        # The engine, sessions and url are the wrapped database's.
        return getattr(self.wrapped, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        if not self.claimed:
            async with self._claiming:
                if not self.claimed:
                    async with self.wrapped.transaction() as session:
                        await self._claim(session)
                        yield session
                    self.claimed = True  # committed, with the command's work
                    return
        async with self.wrapped.transaction() as session:
            yield session

    @asynccontextmanager
    async def direct(self) -> AsyncIterator[Direct]:
        """The direct transaction (storage/direct.py), claiming first when none has."""
        if self.claimed:
            async with self.wrapped.direct() as tx:
                yield tx
            return
        async with self._claiming, self.wrapped.direct() as tx:
            if not self.claimed:
                await claim_request_directly(
                    tx,
                    platform=Platform.SLACK,
                    workspace=self.workspace,
                    digest=self.digest,
                    now=self.now,
                )
            yield tx
        self.claimed = True

    async def _claim(self, session: AsyncSession) -> None:
        fresh = await claim_request(
            session,
            platform=Platform.SLACK,
            workspace=self.workspace,
            digest=self.digest,
            now=self.now,
            keep=REPLAY_WINDOW,
        )
        if not fresh:
            raise Replayed()

    async def settle(self) -> None:
        """Claim now if no transaction has: before an answer goes out. Raises `Replayed`."""
        if self.claimed:
            return
        try:
            async with asyncio.timeout(REPLAY_CHECK_BUDGET):
                async with self.transaction():
                    pass
        except (DatabaseUnavailable, TimeoutError):
            # The request has met the outage already and says so; refusing it here
            # would leave the person with no answer at all.
            log.warning("could not check a Slack request for a replay: the database is down")
