"""Public distribution: `/slack/install` (a page with an "Add to Slack" button) and
`/slack/oauth_redirect`, where Slack sends the person back with a code Bolt exchanges
for the workspace's token (oauth.v2.access, through SLACK_API_URL)."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.slack.manifest import slack_manifest

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def manifest_scopes() -> tuple[str, ...]:
    """The bot scopes the manifest asks for: an install asks for the same, no more."""
    scopes = yaml.safe_load(slack_manifest())["oauth_config"]["scopes"]["bot"]
    return tuple(str(s) for s in scopes)


@dataclass(frozen=True, kw_only=True)
class SlackInstall:
    """What the OAuth flow needs beyond the app's credentials."""

    states: AsyncOAuthStateStore
    scopes: tuple[str, ...]
    redirect_uri: str | None = None


def add_install_routes(*, router: web.UrlDispatcher, bolt: AsyncApp) -> None:
    """The two OAuth pages, when Bolt has an OAuth flow (SLACK_CLIENT_ID and secret set)."""
    flow = bolt.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    router.add_get(INSTALL_PATH, install)
    router.add_get(REDIRECT_PATH, redirect)
