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
    def __init__(self, *, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def send(self, *, url: str, **body: Any) -> None:
        await AsyncWebhookClient(url=url, session=self.session).send_dict(body)
