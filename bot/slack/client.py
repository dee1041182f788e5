"""The Slack Web API client, with retries that honour Retry-After, and messages paced
per workspace (`bot/slack/pace.py`)."""

from __future__ import annotations

import asyncio
import random
from contextvars import ContextVar
from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import metrics
from bot.slack.pace import Pace

# A 429's retry waits Retry-After and up to this share of it more, so that posts refused
# together do not all come back at once. slack_sdk's own adds up to a whole second; the
# pace already spreads the retries (each waits its turn), so a tenth is enough.
JITTER = 0.1

# The channel the current chat.postMessage goes to, for the retry handler, which sees
# the request but not its JSON body.
_channel: ContextVar[str | None] = ContextVar("slack_channel", default=None)


def _paced(request: HttpRequest) -> bool:
    return request.url.endswith("/chat.postMessage")


def retry_after(response: HttpResponse) -> int:
    """Slack's Retry-After in whole seconds, as it sends it (1 when it is missing)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0, int(values[0]))
            except ValueError:
                break
    return 1


class _PacedRateLimits(AsyncRateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After, tells the pace every answer to a message, and takes
    a turn at the pace before trying again; counts each 429 for /metrics."""

    def __init__(self, *, pace: Pace, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pace = pace

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        limited = await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )
        if response is not None and _paced(request):
            if limited:
                self.pace.refused(channel=_channel.get(), retry_after=retry_after(response))
            else:
                self.pace.answered(channel=_channel.get())
        if limited:
            metrics.rate_limited(platform="slack")
        return limited

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:  # only a 429 comes here, and it has an answer
            raise error or RuntimeError("a rate-limit retry without a response")
        wait = retry_after(response)
        await asyncio.sleep(wait * (1 + JITTER * random.random()))
        state.next_attempt_requested = True
        state.increment_current_attempt()
        if _paced(request):
            await self.pace.wait()


class PacedWebClient(AsyncWebClient):
    """`AsyncWebClient` whose chat.postMessage takes its turn at the workspace's pace."""

    def __init__(self, *, pace: Pace, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pace = pace

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> AsyncSlackResponse:
        token = _channel.set(channel)
        try:
            await self.pace.wait()
            return await super().chat_postMessage(channel=channel, **kwargs)
        finally:
            _channel.reset(token)


def build_client(
    *,
    token: str | None,
    base_url: str,
    session: aiohttp.ClientSession | None = None,
    pace: Pace | None = None,
) -> PacedWebClient:
    """A client that waits out 429s, retries 5xx and dropped connections, and paces
    messages by `pace`: pass each workspace's own, kept across clients (Slack limits
    each workspace apart), or get a new one.

    Pass one long-lived `session`: without it slack_sdk opens a new HTTP
    session, and a new TLS connection to Slack, for every call.
    """
    pace = pace if pace is not None else Pace()
    return PacedWebClient(
        pace=pace,
        token=token,
        base_url=base_url,
        session=session,
        retry_handlers=[
            _PacedRateLimits(pace=pace, max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
