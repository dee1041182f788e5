"""Answering on a response URL over one shared HTTP session.

Bolt's own `respond()` opens a new session (and in production a new TLS
connection to Slack) for every answer; sharing one keeps connections alive
and was worth about a quarter more commands a second under load.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient


class Responder:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def send(self, *, url: str, **body: Any) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await AsyncWebhookClient(url=url, session=self._session).send_dict(body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
