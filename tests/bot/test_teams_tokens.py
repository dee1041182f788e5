"""The Bot Connector token from Entra: client credentials, asked once and reused."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot.teams.connector import BOT_FRAMEWORK_SCOPE, EntraTokens

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"


async def test_a_token_is_asked_for_once_and_the_secret_never_shown() -> None:
    asked: list[dict[str, Any]] = []

    async def token(request: web.Request) -> web.Response:
        asked.append({"path": request.path, **dict(await request.post())})
        return web.json_response({"access_token": "entra-token", "expires_in": 3599})

    app = web.Application()
    app.router.add_post("/{tenant}/oauth2/v2.0/token", token)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http:
            tokens = EntraTokens(
                app_id="app",
                password="s3cret-value",
                tenant_id=TENANT,
                session=http,
                authority=str(server.make_url("")).rstrip("/"),
            )
            assert await tokens.token() == "entra-token"
            assert await tokens.token() == "entra-token"
    finally:
        await server.close()
    [request] = asked
    assert request["path"] == f"/{TENANT}/oauth2/v2.0/token"
    assert request["grant_type"] == "client_credentials"
    assert request["client_id"] == "app" and request["scope"] == BOT_FRAMEWORK_SCOPE
    assert "s3cret-value" not in repr(tokens)
