"""The one aiohttp application: Slack at /slack/events (and its OAuth install pages), Teams
at /api/messages, /healthz and /metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot import metrics, request_log
from bot.slack.install import add_install_routes
from bot.teams.endpoint import TeamsEndpoint
from storage import Database

MAX_BODY = 1024 * 1024  # Slack and Teams payloads are small; refuse anything huge early.


def _plausible_timestamp(value: str | None) -> bool:
    """Seconds since 1970 in ASCII digits: anything else cannot be signed by Slack."""
    return value is not None and value.isascii() and value.isdigit() and len(value) <= 12


@web.middleware
async def _request_line(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One log line per request (bot/request_log.py): route, command, outcome, time."""
    route = request.match_info.route.resource
    # The route as declared, never the path as sent, which is anyone's text.
    with request_log.request(route=route.canonical if route else "unmatched") as note:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            note.status = exc.status
            raise
        except BaseException:
            note.status = 500
            raise
        note.status = response.status
        return response


def _now() -> datetime:
    return datetime.now(UTC)


def _no() -> bool:
    return False


def build_web_app(
    *,
    database: Database,
    slack: AsyncApp | None,
    teams: TeamsEndpoint | None = None,
    metrics_token: str | None = None,
    clock: Callable[[], datetime] = _now,
    leads: Callable[[], bool] = _no,
) -> web.Application:
    """Routes for the platforms that are configured, plus /healthz and /metrics
    (behind `Authorization: Bearer <metrics_token>` when one is set)."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_request_line])

    async def healthz(_: web.Request) -> web.Response:
        healthy = await database.ping()
        return web.json_response(
            {"status": "ok" if healthy else "database unavailable"},
            status=200 if healthy else 503,
        )

    app.router.add_get("/healthz", healthz)

    async def metrics_page(request: web.Request) -> web.Response:
        if not metrics.authorised(header=request.headers.get("Authorization"), token=metrics_token):
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        body, content_type = await metrics.exposition(database=database, now=clock, leads=leads)
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/metrics", metrics_page)

    if slack is not None:
        bolt = slack

        async def slack_events(request: web.Request) -> web.Response:
            if not _plausible_timestamp(request.headers.get("X-Slack-Request-Timestamp")):
                # Bolt reads the header as an int before checking the signature, so a
                # word there was a server error with a traceback, unauthenticated.
                return web.Response(status=401)
            try:
                bolt_request = await to_bolt_request(request)
            except (AttributeError, TypeError):
                # Bolt reads ids out of a payload as it parses it: a part of the wrong
                # shape is a bad request, not a server error.
                return web.Response(status=400)
            return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

        app.router.add_post("/slack/events", slack_events)
        add_install_routes(router=app.router, bolt=bolt)
    if teams is not None:
        app.router.add_post("/api/messages", teams.handle)
    return app
