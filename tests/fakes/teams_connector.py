"""A loopback fake of the Bot Connector: what Teams offers a bot to send and update messages.

It records every activity the bot sends, answers the way the connector does,
serves each team's roster a page at a time (`pagedmembers`), serves as the
OneDrive upload URL of the file consent flow, and validates every Adaptive
Card against the official 1.5 schema (the version Teams renders for bots) and
Teams' size limit, and every text for what Teams would garble (lines run
together, placeholders dropped as HTML). `assert_all_valid()` fails the test otherwise.
"""

from __future__ import annotations

import importlib.resources
import itertools
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from adaptive_cards.card import AdaptiveCard
from adaptive_cards.validation import CardValidatorFactory
from aiohttp import web
from aiohttp.test_utils import TestServer
from jsonschema.validators import Draft6Validator

CARD = "application/vnd.microsoft.card.adaptive"
TEAMS_CARD_LIMIT = 28 * 1024
PREFIX = "/uk/"  # the real service URL has a region path, which the client must keep


def _schema() -> dict[str, Any]:
    text = (importlib.resources.files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text()
    found: dict[str, Any] = json.loads(text)
    return found


SCHEMA = Draft6Validator(_schema())


# What Teams takes for an HTML tag and drops, with whatever it encloses: `<text>`.
_TAG = re.compile(r"(?<!\\)<[A-Za-z/!?]")
_LIST_ITEM = re.compile(r"^(- |\d+\. )")


def text_problems(text: str, *, where: str) -> list[str]:
    """How Teams would garble markdown: a single line break, which it runs into one
    paragraph with the next line, and anything it reads as an HTML tag and drops."""
    problems = []
    lines = text.strip().split("\n")
    # Lines of a Markdown list are items of their own; any other break runs on.
    if len(lines) > 1 and not all(_LIST_ITEM.match(line) for line in lines):
        problems.append(f"run-on: a line break Teams would join up in {where}: {text[:120]!r}")
    if _TAG.search(text):
        problems.append(f"swallowed: Teams would drop a tag-like <...> in {where}: {text[:120]!r}")
    return problems


def _texts(element: Any) -> list[tuple[str, str]]:
    """(where, markdown) of every TextBlock and fact in a card, however deep."""
    found: list[tuple[str, str]] = []
    if isinstance(element, list):
        for item in element:
            found += _texts(item)
    elif isinstance(element, dict):
        kind = element.get("type")
        if kind == "TextBlock":
            found.append(("a TextBlock", str(element.get("text", ""))))
        elif kind == "FactSet":
            found += [("a fact", str(f.get("value", ""))) for f in element.get("facts", [])]
        for value in element.values():
            if isinstance(value, list | dict):
                found += _texts(value)
    return found


def readability_problems(card: dict[str, Any]) -> list[str]:
    return [p for where, text in _texts(card) for p in text_problems(text, where=where)]


def card_problems(card: dict[str, Any]) -> list[str]:
    """Everything wrong with a card as Teams would receive it."""
    problems = [f"schema: {e.message[:300]}" for e in SCHEMA.iter_errors(card)]
    problems += readability_problems(card)
    if card.get("version") != "1.5":
        problems.append(f"version {card.get('version')!r}: Teams renders 1.5 for bots")
    size = len(json.dumps(card).encode())
    if size > TEAMS_CARD_LIMIT:
        problems.append(f"{size} bytes: over Teams' card limit")
    # The maintained model's own check: no element newer than the card's version.
    validator = CardValidatorFactory.create_validator_microsoft_teams()
    with warnings.catch_warnings():
        # The library reads pydantic's model_fields the pre-2.11 way; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        # Its model types `refresh.action` as a string; the official schema above, which
        # says it is an Action.Execute, has checked the refresh already.
        model = AdaptiveCard.model_validate({k: v for k, v in card.items() if k != "refresh"})
        failed = validator.validate(model, debug=False).is_err()
    if failed:
        problems += [f"{f.failure.value}: {f.message_additional}" for f in validator.details()]
    return problems


ACTION_RESPONSES = (CARD, "application/vnd.microsoft.activity.message")


def invoke_answer_problems(body: Any) -> list[str]:
    """What is wrong with the answer to an `adaptiveCard/action` invoke: Teams wants a
    status code and either a card (which replaces the one pressed) or a message."""
    if not isinstance(body, dict):
        return [f"invoke answer is not an object: {body!r}"]
    problems = []
    if body.get("statusCode") != 200:
        problems.append(f"invoke answer status {body.get('statusCode')!r}")
    if body.get("type") not in ACTION_RESPONSES:
        problems.append(f"invoke answer type {body.get('type')!r}")
    elif body["type"] == CARD:
        problems += card_problems(body.get("value") or {})
    elif not isinstance(body.get("value"), str) or not body["value"]:
        problems.append("an invoke message answer needs its text")
    return problems


@dataclass
class Sent:
    """One activity the bot sent (POST) or replaced (PUT)."""

    conversation: str
    activity: dict[str, Any]
    id: str
    update: bool = False

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"] for a in self.activity.get("attachments") or [] if a["contentType"] == CARD
        ]

    @property
    def text(self) -> str:
        """Everything a person would read, for assertions."""
        return json.dumps(
            {"text": self.activity.get("text"), "cards": self.cards}, ensure_ascii=False
        )


@dataclass
class FakeConnector:
    token: str = "test-token"
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unauthorised: int = 0
    # Team id -> the accounts `pagedmembers` lists; a team not here answers 404.
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    roster_page: int = 500  # the connector's own cap on a page; tests lower it
    roster_reads: list[dict[str, str]] = field(default_factory=list)
    # Team id -> its channels as `v3/teams/{id}/conversations` lists them (General unnamed).
    channel_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channel_list_reads: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    @property
    def service_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url(PREFIX))

    def upload_url(self, name: str) -> str:
        assert self._server is not None
        return str(self._server.make_url(f"/upload/{name}"))

    async def __aenter__(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post(PREFIX + "v3/conversations", self._create)
        app.router.add_post(PREFIX + "v3/conversations/{conversation}/activities", self._post)
        app.router.add_post(PREFIX + "v3/conversations/{conversation}/activities/{id}", self._post)
        app.router.add_put(PREFIX + "v3/conversations/{conversation}/activities/{id}", self._put)
        app.router.add_get(
            PREFIX + "v3/conversations/{conversation}/pagedmembers", self._paged_members
        )
        app.router.add_get(PREFIX + "v3/teams/{team}/conversations", self._channel_list)
        app.router.add_put("/upload/{name}", self._upload)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        await self._server.close()

    def _authorised(self, request: web.Request) -> bool:
        expected = f"Bearer {self.token}" if self.token else None
        if request.headers.get("Authorization") != expected:
            self.unauthorised += 1
            return False
        return True

    def _check(self, activity: dict[str, Any]) -> None:
        if isinstance(activity.get("text"), str):
            self.problems += text_problems(activity["text"], where="a message's text")
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                self.problems += card_problems(attachment["content"])

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        self.created.append(body)
        member = body["members"][0]["id"]
        return web.json_response({"id": f"a:personal-{member}"}, status=201)

    async def _post(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        self._check(body)
        sent = Sent(
            conversation=request.match_info["conversation"], activity=body, id=f"m{next(self._ids)}"
        )
        self.sent.append(sent)
        return web.json_response({"id": sent.id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        self._check(body)
        found = request.match_info["id"]
        self.sent.append(
            Sent(
                conversation=request.match_info["conversation"],
                activity=body,
                id=found,
                update=True,
            )
        )
        return web.json_response({"id": found})

    def set_roster(self, team: str, users: list[str]) -> None:
        """The team's members by object id, with the bot among them as Teams lists it."""
        people = [{"id": f"29:{u}", "aadObjectId": u, "name": "A Member"} for u in users]
        self.rosters[team] = [*people, {"id": "28:bot", "name": "CCPL"}]

    async def _paged_members(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized"}, status=401)
        team = request.match_info["conversation"]
        self.roster_reads.append({"team": team, **request.query})
        roster = self.rosters.get(team)
        if roster is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        size = min(int(request.query.get("pageSize", "100")), self.roster_page)
        start = int(request.query.get("continuationToken") or 0)
        page: dict[str, Any] = {"members": roster[start : start + size]}
        if start + size < len(roster):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)

    async def _channel_list(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized"}, status=401)
        self.channel_list_reads += 1
        channels = self.channel_lists.get(request.match_info["team"])
        if channels is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"conversations": channels})

    async def _upload(self, request: web.Request) -> web.Response:
        content = await request.read()
        size = len(content)
        if request.headers.get("Content-Range") != f"bytes 0-{size - 1}/{size}":
            self.problems.append(f"bad Content-Range {request.headers.get('Content-Range')!r}")
        self.uploads[request.match_info["name"]] = content
        return web.json_response({"id": "drive-item"}, status=201)

    def to(self, conversation: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation == conversation]

    def assert_all_valid(self) -> None:
        assert not self.problems, "\n".join(self.problems)
