"""Drive the real aiohttp app over loopback with Activity JSON, as Teams posts it.

Requests carry a bearer token signed like the Bot Connector's (RS256, its
issuer, our app id as audience, the service URL claim) with a key the test
owns; the bot's key source hands out only that key. Replies reach a loopback
fake connector, which validates every Adaptive Card.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.http import build_web_app
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.teams.auth import BOT_FRAMEWORK_ISSUER, Unauthorized
from bot.teams.connector import StaticToken
from handlers import Context
from tests.fakes.teams_connector import FakeConnector, Sent, invoke_answer_problems

APP_ID = "6f1c2a7e-1b2c-4d3e-8f90-0a1b2c3d4e5f"
FACILITATOR = "3c9d8e7f-0000-4000-8000-00000000fac1"
KID = "test-signing-key"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class SigningKeys:
    """The published key set, as far as the bot can tell: one key, ours."""

    def __init__(self) -> None:
        self.lookups = 0

    async def signing_key(self, *, jwks_uri: str, kid: str) -> Any:
        self.lookups += 1
        if kid != KID:
            raise Unauthorized("unknown key id")
        return _KEY.public_key()


def sign(
    *,
    service_url: str | None,
    key: Any = _KEY,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    audience: str = APP_ID,
    algorithm: str = "RS256",
    **extra: Any,
) -> str:
    """A token as the Bot Connector signs one; `service_url=None` leaves its claim out,
    and `extra` adds claims such as Entra's `azp`, `appid` and `ver`."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "nbf": now - 10,
        "iat": now - 10,
        "exp": now + 3600,
        **extra,
    }
    if service_url is not None:
        claims["serviceurl"] = service_url
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": KID})


@dataclass
class Answer:
    status: int
    body: str


class TeamsHarness:
    def __init__(
        self, *, fake: FakeConnector, root: str, http: ClientSession, runtime: Runtime
    ) -> None:
        self.fake = fake
        self.url = root.rstrip("/") + "/api/messages"
        self.http = http
        self.runtime = runtime

    async def post(
        self, activity: dict[str, Any], *, authorization: str | None = "signed"
    ) -> Answer:
        headers = {}
        if authorization == "signed":
            headers["Authorization"] = "Bearer " + sign(service_url=self.fake.service_url)
        elif authorization is not None:
            headers["Authorization"] = authorization
        async with self.http.post(self.url, json=activity, headers=headers) as response:
            return Answer(status=response.status, body=await response.text())

    def activity(
        self,
        *,
        tenant: str,
        user: str,
        channel: str | None = None,
        text: str | None = None,
        value: dict[str, Any] | None = None,
        reply_to: str | None = None,
        kind: str = "message",
        **extra: Any,
    ) -> dict[str, Any]:
        """An activity from a person: in their 1:1 chat, or in a channel with an @mention."""
        sender = {"id": f"29:{user}", "aadObjectId": user, "name": "A Leader"}
        body: dict[str, Any] = {
            "type": kind,
            "id": uuid.uuid4().hex,
            "channelId": "msteams",
            "serviceUrl": self.fake.service_url,
            "from": sender,
            "recipient": {"id": f"28:{APP_ID}", "name": "CCPL"},
            "channelData": {"tenant": {"id": tenant}},
            **extra,
        }
        if channel is None:
            body["conversation"] = {
                "id": f"a:personal-29:{user}",
                "conversationType": "personal",
                "tenantId": tenant,
            }
        else:
            body["conversation"] = {
                "id": f"{channel};messageid=1700000000000",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": tenant,
            }
            body["channelData"] |= {
                "channel": {"id": channel, "name": "Forum"},
                "team": {"id": "19:team@thread.tacv2"},
            }
        if text is not None:
            if channel is not None:
                body["text"] = f"<at>CCPL</at> {text}"
                body["entities"] = [
                    {
                        "type": "mention",
                        "text": "<at>CCPL</at>",
                        "mentioned": {"id": f"28:{APP_ID}", "name": "CCPL"},
                    }
                ]
            else:
                body["text"] = text
        if value is not None:
            body["value"] = value
        if reply_to is not None:
            body["replyToId"] = reply_to
        return body

    async def say(
        self, text: str, *, tenant: str, user: str, channel: str | None = None
    ) -> list[Sent]:
        """Send a message to the bot; return what the bot sent in answer."""
        before = len(self.fake.sent)
        answer = await self.post(
            self.activity(tenant=tenant, user=user, channel=channel, text=text)
        )
        assert answer.status in (200, 202), answer
        return self.fake.sent[before:]

    async def press(
        self,
        card: Sent,
        *,
        title: str,
        tenant: str,
        user: str,
        inputs: dict[str, Any] | None = None,
        channel: str | None = None,
    ) -> list[Sent]:
        """Press a button (or a form's submit) on a card the bot sent, as Teams sends it:
        a message whose value is the action's data merged with the card's inputs."""
        data = find_action(card, title)["data"]
        before = len(self.fake.sent)
        answer = await self.post(
            self.activity(
                tenant=tenant,
                user=user,
                channel=channel,
                value={**data, **(inputs or {})},
                reply_to=card.id,
            )
        )
        assert answer.status in (200, 202), answer
        return self.fake.sent[before:]

    async def execute(
        self,
        card: Sent | dict[str, Any],
        *,
        title: str | None,
        tenant: str,
        user: str,
        inputs: dict[str, Any] | None = None,
        channel: str | None = None,
    ) -> dict[str, Any]:
        """Press a button as a client with Universal Actions does (an `adaptiveCard/action`
        invoke, inputs merged into the action's data), or with `title=None` let the
        card refresh itself for this person. Returns what Teams would show them."""
        content = card.cards[0] if isinstance(card, Sent) else card
        if title is None:
            action = content["refresh"]["action"]
        else:
            [action] = [a for a in actions(content) if a["title"] == title]
        assert action["type"] == "Action.Execute", action
        invoke = {
            "action": {**action, "data": {**action["data"], **(inputs or {})}},
            "trigger": "automatic" if title is None else "manual",
        }
        answer = await self.post(
            self.activity(
                tenant=tenant,
                user=user,
                channel=channel,
                kind="invoke",
                name="adaptiveCard/action",
                value=invoke,
                reply_to=card.id if isinstance(card, Sent) else None,
            )
        )
        assert answer.status == 200, answer
        body: dict[str, Any] = json.loads(answer.body)
        self.fake.problems += invoke_answer_problems(body)
        return body


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(card.get("actions") or [])
    for item in card["body"]:
        if item["type"] == "ActionSet":
            found += item["actions"]
    return found


def find_action(sent: Sent, title: str) -> dict[str, Any]:
    for card in sent.cards:
        for action in actions(card):
            if action["title"] == title:
                return action
    raise AssertionError(f"no action {title!r} in {sent.text}")


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in card["body"] if item["type"].startswith("Input.")}


@asynccontextmanager
async def running_teams(
    *, ctx: Context, environ: dict[str, str] | None = None, keys: Any = None
) -> AsyncIterator[TeamsHarness]:
    """The whole Teams stack on loopback: fake connector, runtime, aiohttp server."""
    env = {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "test-password",
        "CCPL_FACILITATORS": FACILITATOR,
        "DATABASE_URL": "sqlite+aiosqlite:///unused.db",
        **(environ or {}),
    }
    settings = load_settings(environ=env, env_file=None)
    async with FakeConnector() as fake:
        if settings.microsoft_app_id is None:
            fake.token = ""  # the emulator's connector takes no token, and the bot sends none
        runtime = await build_runtime(
            settings=settings,
            ctx=ctx,
            clock=False,
            teams_tokens=StaticToken(fake.token) if settings.microsoft_app_id else None,
            teams_keys=keys if keys is not None else SigningKeys(),
            # The fake connector listens on loopback, which production never posts to.
            teams_loopback=True,
        )
        app = build_web_app(database=ctx.database, slack=runtime.slack, teams=runtime.teams)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with ClientSession() as http:
                yield TeamsHarness(
                    fake=fake, root=str(server.make_url("/")), http=http, runtime=runtime
                )
        finally:
            await server.close()
            await runtime.stop()
        fake.assert_all_valid()
