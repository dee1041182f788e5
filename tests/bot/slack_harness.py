"""Drive the real aiohttp app over loopback HTTP with signed Slack requests.

The bot talks to a loopback fake of the Slack Web API, which validates every
Block Kit payload; `Harness.close()` fails the test if any was invalid.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from bot.http import build_web_app
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from handlers import Context
from tests.fakes.slack_web_api import FakeSlackWebApi

SECRET = "test-signing-secret-0123456789abcdef"


def trigger_id() -> str:
    """Slack gives every request its own trigger, so no two signed requests are alike;
    a byte-identical one is a replay, and the bot runs it once."""
    return f"13345224609.738474920.{uuid.uuid4().hex[:27]}"


@dataclass
class Sent:
    status: int
    body: str


class Harness:
    def __init__(
        self,
        *,
        fake: FakeSlackWebApi,
        root: str,
        http: ClientSession,
        runtime: Runtime | None = None,
    ) -> None:
        self.fake = fake
        self.root = root.rstrip("/")
        self.http = http
        self.url = f"{self.root}/slack/events"
        self.runtime = runtime

    async def settle(self) -> None:
        """Wait until the runtime's sender has sent what the last requests queued."""
        # A bot in another process (test_serve_process) has no runtime here to wait on.
        if self.runtime is not None:
            await self.runtime.sender.settled()

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        secret: str | None = SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        """POST a body signed as Slack signs it (or not, or wrongly, for the refusal tests)."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sent_headers = {"Content-Type": content_type, **(headers or {})}
        if secret is not None:
            sent_headers["X-Slack-Request-Timestamp"] = ts
            sent_headers["X-Slack-Signature"] = signature or SignatureVerifier(
                secret
            ).generate_signature(timestamp=ts, body=body)
        async with self.http.post(self.url, data=body.encode(), headers=sent_headers) as resp:
            return Sent(status=resp.status, body=await resp.text())

    def command_body(
        self,
        *,
        text: str,
        team: str,
        user: str,
        key: str,
        channel: str = "C0FORUM",
        extra: dict[str, str] | None = None,
    ) -> str:
        return urlencode(
            {
                **(extra or {}),
                "token": "legacy-unused",
                "team_id": team,
                "team_domain": "ccpl",
                "channel_id": channel,
                "channel_name": "forum",
                "user_id": user,
                "user_name": "leader",
                "command": "/ccpl",
                "text": text,
                "api_app_id": self.fake.app_id,
                "response_url": self.fake.response_url(key),
                "trigger_id": trigger_id(),
            }
        )

    async def command(
        self, *, text: str, team: str, user: str, channel: str = "C0FORUM"
    ) -> dict[str, Any]:
        """Send `/ccpl <text>` and return what the bot answered on the response URL."""
        key = uuid.uuid4().hex
        sent = await self.post(
            self.command_body(text=text, team=team, user=user, key=key, channel=channel),
            content_type="application/x-www-form-urlencoded",
        )
        assert sent.status == 200, sent
        # The first answer; a long job may add a second ("sent to your DMs") later.
        answers = await self.fake.wait_for_response(key=key)
        return answers[0]

    async def click(
        self, *, action_id: str, value: str = "", team: str, user: str, wait: bool = True
    ) -> dict[str, Any]:
        """Press a button in an earlier message and return the bot's answer."""
        key = uuid.uuid4().hex
        payload = {
            "type": "block_actions",
            "team": {"id": team, "domain": "ccpl"},
            "user": {"id": user, "team_id": team},
            "api_app_id": self.fake.app_id,
            "token": "legacy-unused",
            "trigger_id": trigger_id(),
            "response_url": self.fake.response_url(key),
            "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0FORUM"},
            "channel": {"id": "C0FORUM", "name": "forum"},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        sent = await self.post(
            urlencode({"payload": json.dumps(payload)}),
            content_type="application/x-www-form-urlencoded",
        )
        assert sent.status == 200, sent
        if not wait:
            return {}
        # The first answer; a long job may add a second ("sent to your DMs") later.
        answers = await self.fake.wait_for_response(key=key)
        return answers[0]

    async def open_form(
        self,
        *,
        text: str,
        team: str,
        user: str,
        channel: str,
        extra: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run a command that opens a modal and return the modal as Slack received it;
        `extra` adds fields Slack sends in some workspaces (an Enterprise Grid org's id)."""
        before = len(self.fake.calls_to("views.open"))
        sent = await self.post(
            self.command_body(
                text=text, team=team, user=user, key=uuid.uuid4().hex, channel=channel, extra=extra
            ),
            content_type="application/x-www-form-urlencoded",
        )
        assert sent.status == 200
        calls = await self.fake.wait_for("views.open", count=before + 1)
        view: dict[str, Any] = calls[-1].params["view"]
        return view

    async def event(
        self, *, event: dict[str, Any], team: str, event_id: str, retry: int | None = None
    ) -> Sent:
        body = json.dumps(
            {
                "token": "legacy-unused",
                "team_id": team,
                "api_app_id": self.fake.app_id,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [
                    {"team_id": team, "user_id": self.fake.bot_user_id, "is_bot": True}
                ],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(
            body, content_type="application/json", headers=headers if retry else None
        )


CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "test-client-secret-fedcba9876543210"
REDIRECT_URI = "https://ccpl.example.org/slack/oauth_redirect"
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class Installed:
    status: int
    page: str
    token: str | None


async def install(harness: Harness, *, code: str) -> Installed:
    """Open /slack/install, follow its "Add to Slack" link's state back to the redirect
    with a code from the fake, as a browser would; the token the fake issued, if any."""
    async with harness.http.get(f"{harness.root}/slack/install") as page:
        assert page.status == 200, page.status
        html = await page.text()
        cookie = page.cookies[STATE_COOKIE].value
    match = re.search(r"state=([A-Za-z0-9_-]+)", html)
    assert match is not None and "Add to Slack" in html, html
    issued = set(harness.fake.token_teams)
    query = urlencode({"code": code, "state": match.group(1)})
    async with harness.http.get(
        f"{harness.root}/slack/oauth_redirect?{query}",
        headers={"Cookie": f"{STATE_COOKIE}={cookie}"},
    ) as back:
        new = set(harness.fake.token_teams) - issued
        return Installed(
            status=back.status, page=await back.text(), token=new.pop() if new else None
        )


@asynccontextmanager
async def running_bot(
    *,
    ctx: Context,
    admins: frozenset[str] = frozenset(),
    metrics_token: str | None = None,
    oauth: bool = False,
) -> AsyncIterator[Harness]:
    """The whole Slack stack on loopback: fake Web API, the real runtime (its Bolt app
    and outbox sender, as `serve` builds them), aiohttp server. With `oauth`, no bot
    token: workspaces install the app through /slack/install (see `install`)."""
    async with FakeSlackWebApi() as fake:
        token = (
            {
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_REDIRECT_URI": REDIRECT_URI,
            }
            if oauth
            else {"SLACK_BOT_TOKEN": "xoxb-test-token"}
        )
        if oauth:
            fake.expect_oauth(
                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI
            )
        settings = load_settings(
            environ={
                **token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.base_url,
                "CCPL_FACILITATORS": "UFACILITATOR",
                "CCPL_ADMINS": ",".join(sorted(admins)),
                "DATABASE_URL": "sqlite+aiosqlite:///unused.db",
            },
            env_file=None,
        )
        # As `serve` runs beside a separate scheduler: no clock here, so tests move time.
        runtime = await build_runtime(settings=settings, ctx=ctx, clock=False)
        server = TestServer(
            build_web_app(
                database=ctx.database,
                slack=runtime.slack,
                clock=ctx.clock,
                metrics_token=metrics_token,
            ),
            host="127.0.0.1",
        )
        await server.start_server()
        try:
            async with ClientSession() as http:
                yield Harness(fake=fake, root=str(server.make_url("/")), http=http, runtime=runtime)
        finally:
            await server.close()
            await runtime.stop()
        fake.assert_all_valid()


def fill_view(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The `view` of a view_submission: the opened modal plus `state.values` as Slack sends."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        answer = answers.get(block["block_id"])
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input"):
            state["value"] = answer if answer is not None else element.get("initial_value")
        elif kind == "static_select":
            chosen = [o for o in element["options"] if o["value"] == answer]
            state["selected_option"] = chosen[0] if chosen else element.get("initial_option")
        elif kind in ("multi_static_select", "checkboxes"):
            state["selected_options"] = [
                o for o in element["options"] if o["value"] in (answer or ())
            ]
        elif kind == "conversations_select":
            state["selected_conversation"] = answer
        elif kind == "datepicker":
            state["selected_date"] = answer
        elif kind == "timepicker":
            state["selected_time"] = answer if answer is not None else element.get("initial_time")
        values[block["block_id"]] = {action_id: state}
    return {**view, "id": "V0FORM", "state": {"values": values}}


async def submit_view(
    harness: Harness, *, view: dict[str, Any], answers: dict[str, Any], team: str, user: str
) -> Sent:
    """Press Save on a modal; the HTTP answer carries any field errors."""
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "ccpl"},
        "user": {"id": user, "team_id": team, "username": "leader"},
        "api_app_id": harness.fake.app_id,
        "token": "legacy-unused",
        "trigger_id": trigger_id(),
        "view": fill_view(view, answers),
    }
    return await harness.post(
        urlencode({"payload": json.dumps(payload)}),
        content_type="application/x-www-form-urlencoded",
    )
