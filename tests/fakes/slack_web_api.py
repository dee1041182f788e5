"""A loopback fake of the Slack Web API for tests.

``FakeSlackWebApi`` is an aiohttp app served on ``127.0.0.1`` (random free port).  Point a
real ``slack_sdk`` ``AsyncWebClient`` at ``fake.base_url`` and use ``fake.response_url()`` as a
slash command's ``response_url``.  Every call is recorded, every Block Kit payload is validated
with ``slack_sdk.models`` (bad ones land in ``fake.invalid``), faults can be injected, and
Slack's posting rate limits can be enforced (``enforce_rate_limits``).

    async with FakeSlackWebApi() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        await client.chat_postMessage(channel="C1", text="hi")
        [call] = await fake.wait_for(method="chat.postMessage")
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Final, NamedTuple, Self
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = [
    "RESPONSE_URL",
    "FakeSlackWebApi",
    "InvalidPayload",
    "RecordedCall",
    "UploadedFile",
    "block_errors",
    "view_errors",
]

JsonDict = dict[str, Any]

RESPONSE_URL: Final = "response_url"
"""Pseudo method name for response-URL posts (in ``fake.invalid`` and ``fail_next``)."""

MESSAGE_MAX_BLOCKS: Final = 50
VIEW_MAX_BLOCKS: Final = 100
MESSAGE_MAX_TEXT: Final = 40_000

_JSON_FIELDS: Final = frozenset({"blocks", "attachments", "view", "metadata"})
_FAULT_ERRORS: Final = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
_TS_BASE: Final = 1_700_000_000_000_000  # microseconds


@dataclass
class RecordedCall:
    """One Web API request, recorded in arrival order, with the fake's answer."""

    method: str
    params: JsonDict
    token: str | None
    status: int = 200
    response: JsonDict = field(default_factory=dict)
    at: float = 0.0  # when it arrived, in the fake's monotonic seconds

    @property
    def ok(self) -> bool:
        """Whether the fake answered HTTP 200 with ``ok: true``."""
        return self.status == 200 and self.response.get("ok") is True


class InvalidPayload(NamedTuple):
    """A payload the fake rejected: the method (or ``"response_url"``) and why."""

    method: str
    error: str


class UploadedFile(NamedTuple):
    """A file shared through files.getUploadURLExternal + files.completeUploadExternal."""

    filename: str
    content: bytes
    channel_id: str | None


@dataclass
class _Grant:
    """What one OAuth code (or refresh token) installs: a workspace, or an org for org-wide."""

    team_id: str | None
    team_name: str
    enterprise_id: str | None
    is_enterprise_install: bool
    installer: str
    expires_in: int | None


@dataclass
class _Fault:
    status: int
    retry_after: int
    error: str
    remaining: int


@dataclass
class _RateLimits:
    """Slack's posting limits for chat.postMessage, checked against real (monotonic) time.

    A fake server keeps real time, like Slack: the client under test sleeps real seconds on
    Retry-After, whatever clock the code under test uses for its own schedule.
    """

    per_channel_interval: float | None
    global_rate: float | None
    global_burst: float
    random_rate: float
    rng: random.Random
    retry_after: int
    tokens: float = 0.0
    refilled_at: float = 0.0
    last_post: dict[str, float] = field(default_factory=dict)

    def refusal(self, channel: str, now: float) -> tuple[_Fault, str] | None:
        """A 429 for this post and its cause (limits first, then chance), or None."""
        if self.per_channel_interval is not None and channel in self.last_post:
            wait = self.last_post[channel] + self.per_channel_interval - now
            if wait > 0:
                return _Fault(429, max(1, math.ceil(wait)), "ratelimited", 1), "channel"
        if self.global_rate is not None:
            self.tokens = min(
                self.global_burst, self.tokens + (now - self.refilled_at) * self.global_rate
            )
            self.refilled_at = now
            if self.tokens < 1:
                wait = (1 - self.tokens) / self.global_rate
                return _Fault(429, max(1, math.ceil(wait)), "ratelimited", 1), "global"
        if self.random_rate and self.rng.random() < self.random_rate:
            return _Fault(429, self.retry_after, "ratelimited", 1), "random"
        return None

    def accepted(self, channel: str, now: float) -> None:
        self.last_post[channel] = now
        if self.global_rate is not None:
            self.tokens -= 1


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool
    tz: str
    email: str | None


class _ApiError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, detail: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Block Kit validation
# --------------------------------------------------------------------------------------------


def _round_trip_errors(sent: object, parsed: object, path: str) -> list[str]:
    """List what slack_sdk dropped or rewrote when it re-serialised ``sent`` as ``parsed``."""
    if isinstance(sent, dict):
        return _dict_round_trip_errors(sent, parsed, path)
    if isinstance(sent, list):
        return _list_round_trip_errors(sent, parsed, path)
    if sent != parsed:
        if isinstance(parsed, dict):
            return [f"{path}: must be an object, got {_short(sent)}"]
        return [f"{path}: {_short(sent)} was rewritten by slack_sdk as {_short(parsed)}"]
    return []


def _dict_round_trip_errors(sent: dict[str, object], parsed: object, path: str) -> list[str]:
    if not isinstance(parsed, dict):
        return [f"{path}: not understood by slack_sdk.models"]
    errors: list[str] = []
    for key, value in sent.items():
        where = f"{path}/{key}"
        if key in parsed:
            errors += _round_trip_errors(value, parsed[key], where)
        elif value == "":
            errors.append(f"{where}: must not be empty")
        elif value is not None and value != [] and value != {}:
            errors.append(f"{where}: unknown or misplaced property (dropped by slack_sdk)")
    return errors


def _list_round_trip_errors(sent: list[object], parsed: object, path: str) -> list[str]:
    if not isinstance(parsed, list) or len(parsed) != len(sent):
        return [f"{path}: list not understood by slack_sdk.models"]
    errors: list[str] = []
    for index, (item, parsed_item) in enumerate(zip(sent, parsed, strict=True)):
        if parsed_item is None and item is not None:
            errors.append(f"{path}/{index}: unknown element {_short(item)}")
        else:
            errors += _round_trip_errors(item, parsed_item, f"{path}/{index}")
    return errors


def _short(value: object) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def block_errors(
    blocks: object, *, max_blocks: int = MESSAGE_MAX_BLOCKS, path: str = "/blocks"
) -> list[str]:
    """Validate a ``blocks`` array with ``slack_sdk.models``; return problems (empty if valid).

    Each block must parse with ``Block.parse`` to a known type, pass ``validate_json()`` and
    ``to_dict()`` (which validates nested elements), and round-trip: nothing it contains may be
    dropped or rewritten by slack_sdk (catches typos, unknown elements and bare strings where
    Slack wants text objects).  ``block_id`` values must be unique.
    """
    if not isinstance(blocks, list):
        return [f"{path}: must be an array of blocks"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"{path}: {len(blocks)} blocks, at most {max_blocks} allowed")
    seen_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"{path}/{index}"
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            errors.append(f"{where}: a block must be an object with a type")
            continue
        block_id = raw.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                errors.append(f"{where}/block_id: duplicate block_id {block_id!r}")
            seen_ids.add(block_id)
        try:
            block = Block.parse(raw)
            if block is None or block.type != raw["type"]:
                errors.append(f"{where}: unknown block type {raw['type']!r}")
                continue
            block.validate_json()
            parsed = block.to_dict()
        except Exception as exc:  # SlackObjectFormationError, TypeError, KeyError, ...
            errors.append(f"{where} ({raw['type']}): {type(exc).__name__}: {exc}")
            continue
        errors += _round_trip_errors(raw, parsed, where)
    return errors


def view_errors(view: object) -> list[str]:
    """Validate a view with ``slack_sdk.models.views.View``; return problems (empty if valid).

    Blocks are checked as in ``block_errors`` (at most 100); in addition a modal needs a
    title, and a modal containing input blocks needs a submit button (Slack's own rules).
    """
    if not isinstance(view, dict):
        return ["/view: must be an object"]
    errors = block_errors(view.get("blocks"), max_blocks=VIEW_MAX_BLOCKS, path="/view/blocks")
    blocks = view.get("blocks")
    if view.get("type") == "modal":
        if view.get("title") is None:
            errors.append("/view/title: a modal needs a title")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            errors.append("/view/submit: a modal with input blocks needs a submit button")
    try:
        model = View(**view)
        model.validate_json()
    except Exception as exc:  # SlackObjectFormationError, TypeError, ...
        return [*errors, f"/view: {type(exc).__name__}: {exc}"]
    if errors:  # to_dict() would trip over the bad blocks again
        return errors
    try:
        parsed = model.to_dict()
    except Exception as exc:
        return [f"/view: {type(exc).__name__}: {exc}"]
    rest = {k: v for k, v in view.items() if k != "blocks"}
    return _round_trip_errors(rest, parsed, "/view")


def _message_errors(params: Mapping[str, Any], *, allow_empty: bool = False) -> list[str]:
    """Validate a message body: content present, text length, blocks (also in attachments)."""
    errors: list[str] = []
    text = params.get("text")
    blocks = params.get("blocks")
    attachments = params.get("attachments")
    if not allow_empty and not text and not blocks and not attachments:
        errors.append("no_text: a message needs text, blocks or attachments")
    if isinstance(text, str) and len(text) > MESSAGE_MAX_TEXT:
        errors.append(f"msg_too_long: text has {len(text)} characters")
    if blocks is not None:
        errors += block_errors(blocks)
    if attachments is not None:
        if not isinstance(attachments, list):
            errors.append("/attachments: must be an array")
        else:
            for index, attachment in enumerate(attachments):
                if isinstance(attachment, dict) and "blocks" in attachment:
                    errors += block_errors(
                        attachment["blocks"], path=f"/attachments/{index}/blocks"
                    )
    return errors


def _error_code(errors: list[str]) -> str:
    for code in ("no_text", "msg_too_long"):
        if any(e.startswith(code + ":") for e in errors):
            return code
    return "invalid_blocks"


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------

_Handler = Callable[[JsonDict], JsonDict]


@dataclass
class Hold:
    """A channel whose posts wait: `arrived` once one is waiting, until `released`."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)


class FakeSlackWebApi:
    """A Slack Web API on 127.0.0.1 that records calls and validates Block Kit payloads."""

    def __init__(
        self,
        *,
        tokens: Collection[str] | None = None,
        team_id: str = "T0CCPL",
        team: str = "CCPL Test",
        bot_user_id: str = "U0CCPLBOT",
        bot_id: str = "B0CCPLBOT",
        app_id: str = "A0CCPL",
    ) -> None:
        """Configure the fake; ``tokens=None`` accepts any ``xox...`` token."""
        self.tokens = frozenset(tokens) if tokens is not None else None
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id

        # The rate limits' clock: real time by default, as a server keeps;
        # tests replace it to step time without sleeping.
        self.monotonic: Callable[[], float] = time.monotonic
        self.calls: list[RecordedCall] = []
        self.pins: set[tuple[str, str]] = set()
        """Pinned messages as (channel, ts)."""
        self.invalid: list[InvalidPayload] = []
        self.files: list[UploadedFile] = []
        self.messages: dict[tuple[str, str], JsonDict] = {}
        """Current state of posted messages, keyed by (channel, ts)."""
        self.views: dict[str, JsonDict] = {}
        """Views opened, pushed, updated or published, keyed by view id."""
        self.accepted_posts: Counter[str] = Counter()
        """chat.postMessage calls answered ``ok``, per channel (a DM by its ``D...`` id)."""
        self.rate_limited: Counter[str] = Counter()
        """chat.postMessage calls refused by ``enforce_rate_limits``, by cause:
        ``channel`` (per-channel limit), ``global`` (token bucket) or ``random``."""
        self._responses: list[tuple[str, JsonDict]] = []
        # Per response URL, so a load of thousands waiting on their own URLs wakes only
        # the one answered, instead of every waiter re-reading every response.
        self._responses_by_key: defaultdict[str, list[JsonDict]] = defaultdict(list)
        self._response_waiters: defaultdict[str, list[asyncio.Future[None]]] = defaultdict(list)

        self._users: dict[str, _User] = {}
        self._channels: dict[str, JsonDict] = {}
        self._members: dict[str, list[str]] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._uploads: dict[str, tuple[str, bytes | None]] = {}
        self._faults: dict[str | None, list[_Fault]] = {}
        self._chaos: tuple[float, random.Random, int, frozenset[str] | None] | None = None
        self._limits: _RateLimits | None = None
        self._held: dict[str, Hold] = {}
        self._counter = itertools.count(1)
        self._ts_counter = itertools.count(1)
        self._condition = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        # OAuth: the app's credentials, the codes handed out, and the tokens they became.
        self.oauth_client: tuple[str, str] | None = None
        self.oauth_redirect_uri: str | None = None
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self.token_teams: dict[str, str] = {}
        """Installed bot tokens and the team (or org) each one speaks for."""
        self.revoked: set[str] = set()
        self._current_token: str | None = None
        self._handlers: dict[str, _Handler] = {
            "api.test": self._api_test,
            "oauth.v2.access": self._oauth_v2_access,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "reactions.add": self._reactions_add,
            "pins.add": self._pins_add,
            "team.info": self._team_info,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> Self:
        """Serve the fake on 127.0.0.1 on a free port."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(runner, sock).start()
        self._runner = runner
        return self

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def reset(self) -> None:
        """Forget recorded calls, responses, files, messages, views and pending faults.

        Random 429s and enforced rate limits are turned off.  Users and channels set with
        ``set_user``/``set_channel``/``set_channel_members`` stay.
        """
        self.calls.clear()
        self.accepted_posts.clear()
        self.rate_limited.clear()
        self.invalid.clear()
        self.files.clear()
        self.messages.clear()
        self.views.clear()
        self._responses.clear()
        self._responses_by_key.clear()
        self._reactions.clear()
        self._uploads.clear()
        self._faults.clear()
        self._chaos = None
        self._limits = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        if self._port is None:
            raise RuntimeError("FakeSlackWebApi is not started; use 'async with' or start()")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Pass as ``AsyncWebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.root_url}/api/"

    def response_url(self, key: str | None = None) -> str:
        """A URL on the fake to use as a slash command's or action's ``response_url``."""
        return f"{self.root_url}/response/{key or f'R{next(self._counter):06d}'}"

    # -- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str, *, successful: bool = False) -> list[RecordedCall]:
        """Recorded calls to ``method`` (only those answered ``ok`` if ``successful``)."""
        return [c for c in self.calls if c.method == method and (c.ok or not successful)]

    @property
    def responses(self) -> list[JsonDict]:
        """JSON bodies posted to response URLs (what Bolt's ``respond()`` sends), in order."""
        return [body for _, body in self._responses]

    def responses_to(self, key: str) -> list[JsonDict]:
        """JSON bodies posted to ``response_url(key)``."""
        return list(self._responses_by_key.get(key, ()))

    def assert_all_valid(self) -> None:
        """Fail if any payload was rejected as invalid."""
        assert not self.invalid, "invalid Slack payloads:\n" + "\n".join(
            f"  {i.method}: {i.error}" for i in self.invalid
        )

    async def wait_for(
        self,
        method: str | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's documented API
        *,
        successful: bool = False,
    ) -> list[RecordedCall]:
        """Wait until ``count`` calls to ``method`` (any method if None) have been recorded.

        Returns the matching calls; raises ``TimeoutError`` describing what did arrive.
        """

        def matching() -> list[RecordedCall]:
            return [
                c
                for c in self.calls
                if (method is None or c.method == method) and (c.ok or not successful)
            ]

        try:
            async with asyncio.timeout(timeout), self._condition:
                await self._condition.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise TimeoutError(
                f"waited {timeout}s for {count} call(s) to {method or 'any method'}, got "
                f"{len(matching())}; calls: {[c.method for c in self.calls]}; "
                f"invalid: {self.invalid}"
            ) from None
        return matching()

    async def wait_for_matching(
        self,
        predicate: Callable[[RecordedCall], bool],
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's documented API
    ) -> list[RecordedCall]:
        """Wait until ``count`` successful calls satisfy ``predicate``; return them."""

        def matching() -> list[RecordedCall]:
            return [c for c in self.calls if c.ok and predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._condition:
                await self._condition.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise TimeoutError(
                f"waited {timeout}s for {count} matching call(s), got {len(matching())}; "
                f"calls: {[c.method for c in self.calls]}; invalid: {self.invalid}"
            ) from None
        return matching()

    async def wait_for_response(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the fake's documented API
        *,
        key: str | None = None,
    ) -> list[JsonDict]:
        """Wait until ``count`` bodies were posted to response URLs (to ``key`` if given)."""
        if key is not None:
            return await self._wait_for_key(key=key, count=count, within=timeout)

        def matching() -> list[JsonDict]:
            return self.responses if key is None else self.responses_to(key)

        try:
            async with asyncio.timeout(timeout), self._condition:
                await self._condition.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise TimeoutError(
                f"waited {timeout}s for {count} response(s), got {len(matching())}; "
                f"invalid: {self.invalid}"
            ) from None
        return matching()

    async def _wait_for_key(self, *, key: str, count: int, within: float) -> list[JsonDict]:
        try:
            async with asyncio.timeout(within):
                while len(self._responses_by_key.get(key, ())) < count:
                    waiter = asyncio.get_running_loop().create_future()
                    self._response_waiters[key].append(waiter)
                    await waiter
        except TimeoutError:
            raise TimeoutError(
                f"waited {within}s for {count} response(s) to {key}, got "
                f"{len(self.responses_to(key))}; invalid: {self.invalid}"
            ) from None
        return self.responses_to(key)

    # -- configuration -----------------------------------------------------------------------

    def set_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/London",
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        """Define what users.info answers for ``user_id`` (unset U/W ids get defaults)."""
        ZoneInfo(tz)  # fail early on a typo
        self._users[user_id] = _User(
            id=user_id,
            name=name or f"user.{user_id.lower()}",
            real_name=real_name or f"User {user_id}",
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
            tz=tz,
            email=email,
        )

    def set_channel(
        self,
        channel: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: Iterable[str] | None = None,
    ) -> None:
        """Define what conversations.info answers for ``channel``."""
        self._channels[channel] = {
            "id": channel,
            "name": name or f"channel-{channel.lower()}",
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_general": False,
            "is_member": is_member,
            "created": 1_600_000_000,
            "creator": self.bot_user_id,
            "context_team_id": self.team_id,
        }
        if members is not None:
            self.set_channel_members(channel, members)

    def set_channel_members(self, channel: str, members: Iterable[str]) -> None:
        """Define what conversations.members answers for ``channel`` (unset: no members)."""
        self._members[channel] = list(members)

    def dm_channel_id(self, user_id: str) -> str:
        """The IM channel id conversations.open returns for ``user_id`` (``U123`` -> ``D123``)."""
        return "D" + user_id[1:]

    def hold(self, channel: str) -> Hold:
        """Leave posts to `channel` unanswered until released: a slow channel, to show
        that it holds up nobody else."""
        return self._held.setdefault(channel, Hold())

    def fail_next(
        self,
        method: str | None = None,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (any method if None) fail.

        ``status=429`` answers ``ratelimited`` with a ``Retry-After: retry_after`` header;
        500/503 answer server errors; ``status=200`` with ``error="channel_not_found"`` (say)
        answers that Slack-level error.  ``method="response_url"`` targets response URLs.
        """
        if status == 200 and error is None:
            raise ValueError("status=200 needs an error code, e.g. error='channel_not_found'")
        code = error or _FAULT_ERRORS.get(status, "fatal_error")
        self._faults.setdefault(method, []).append(_Fault(status, retry_after, code, times))

    def random_429s(
        self,
        rate: float = 0.1,
        seed: int | None = 1,
        *,
        retry_after: int = 0,
        methods: Collection[str] | None = None,
    ) -> None:
        """Answer a random ``rate`` share of API calls 429 (``rate=0`` turns this off)."""
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        chosen = frozenset(methods) if methods is not None else None
        self._chaos = (rate, random.Random(seed), retry_after, chosen) if rate else None

    def enforce_rate_limits(
        self,
        per_channel_per_second: float | None = 1.0,
        global_per_second: float | None = None,
        random_429_rate: float = 0.0,
        retry_after: int = 1,
        seed: int | None = 1,
        *,
        global_burst: float | None = None,
    ) -> None:
        """Answer chat.postMessage 429 as Slack does when posting too fast (off by default).

        A post to a channel less than ``1 / per_channel_per_second`` seconds after the last
        accepted one there is refused with ``Retry-After`` set to the seconds until it would
        be allowed (rounded up, at least 1) and ``{"ok": false, "error": "ratelimited"}``.
        ``global_per_second`` adds a token bucket across all channels (holding up to
        ``global_burst`` posts, default one second's worth, and starting full), refused the
        same way.  ``random_429_rate`` refuses that share of the posts the limits let through,
        with ``Retry-After: retry_after``.  Refused calls are recorded (not ``ok``) like any
        fault; a DM addressed by user id counts against its ``D...`` channel.  Time is real
        (``time.monotonic()``): the fake is a server.  Calling this again starts afresh;
        ``per_channel_per_second=None`` with no other limit turns enforcement off.
        """
        for name, value in (
            ("per_channel_per_second", per_channel_per_second),
            ("global_per_second", global_per_second),
        ):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")
        if not 0 <= random_429_rate <= 1:
            raise ValueError("random_429_rate must be between 0 and 1")
        if per_channel_per_second is None and global_per_second is None and not random_429_rate:
            self._limits = None
            return
        burst = global_burst if global_burst is not None else global_per_second or 1.0
        self._limits = _RateLimits(
            per_channel_interval=1 / per_channel_per_second if per_channel_per_second else None,
            global_rate=global_per_second,
            global_burst=max(1.0, burst),
            random_rate=random_429_rate,
            rng=random.Random(seed),
            retry_after=retry_after,
            tokens=max(1.0, burst),
            refilled_at=self.monotonic(),
        )

    # -- HTTP plumbing -----------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._condition:
            self._condition.notify_all()

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, None):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        if self._chaos is not None and method != RESPONSE_URL:
            rate, rng, retry_after, methods = self._chaos
            if (methods is None or method in methods) and rng.random() < rate:
                return _Fault(429, retry_after, "ratelimited", 1)
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> tuple[int, JsonDict, dict[str, str]]:
        headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
        return fault.status, {"ok": False, "error": fault.error}, headers

    @staticmethod
    async def _read_params(request: web.Request) -> JsonDict:
        params: JsonDict = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise _ApiError("invalid_json", "JSON body must be an object")
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = value.file.read()
                else:
                    params[key] = value
        return params

    def _token(self, request: web.Request, params: JsonDict) -> str | None:
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        return token if isinstance(token, str) and token else None

    def _check_token(self, token: str | None) -> None:
        if token is None or not token.startswith("xox"):
            raise _ApiError("not_authed")
        if token in self.revoked:
            raise _ApiError("token_revoked")
        if self.tokens is not None and token not in self.tokens:
            raise _ApiError("invalid_auth")

    @staticmethod
    def _decode_json_fields(params: JsonDict) -> None:
        for key in _JSON_FIELDS & params.keys():
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    code = "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
                    raise _ApiError(code, f"/{key}: not valid JSON ({exc})") from None

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: JsonDict = {}
        token: str | None = None
        status, headers = 200, dict[str, str]()
        try:
            params = await self._read_params(request)
            held = self._held.get(str(params.get("channel") or ""))
            if held is not None and method == "chat.postMessage":
                held.arrived.set()
                await held.released.wait()
            token = self._token(request, params)
            if method == "oauth.v2.access":
                self._check_client(request)
            else:
                self._check_token(token)
            self._current_token = token
            fault = self._take_fault(method)
            posting = method == "chat.postMessage"
            if fault is None and posting and self._limits is not None:
                channel = self._resolve_channel(str(params.get("channel") or ""))
                refused = self._limits.refusal(channel, self.monotonic())
                if refused is not None:
                    fault, cause = refused
                    self.rate_limited[cause] += 1
            if fault is not None:
                status, body, headers = self._fault_response(fault)
            else:
                handler = self._handlers.get(method)
                if handler is None:
                    raise _ApiError("unknown_method", f"{method} is not faked")
                self._decode_json_fields(params)
                body = {"ok": True, **self._run_handler(handler, params)}
                if posting:
                    self._posted(str(body["channel"]))
        except _ApiError as exc:
            body = {"ok": False, "error": exc.error}
            if exc.detail is not None:
                self.invalid.append(InvalidPayload(method, f"{exc.error}: {exc.detail}"))
        except (ValueError, UnicodeDecodeError) as exc:  # undecodable body
            body = {"ok": False, "error": "invalid_form_data"}
            self.invalid.append(InvalidPayload(method, f"invalid_form_data: {exc}"))
        self.calls.append(RecordedCall(method, params, token, status, body, self.monotonic()))
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _posted(self, channel: str) -> None:
        """Count an accepted post and charge it to the rate limits."""
        self.accepted_posts[channel] += 1
        if self._limits is not None:
            self._limits.accepted(channel, self.monotonic())

    @staticmethod
    def _run_handler(handler: _Handler, params: JsonDict) -> JsonDict:
        """Run a method handler; arguments it cannot digest become ``invalid_arguments``."""
        try:
            return handler(params)
        except _ApiError:
            raise
        except Exception as exc:  # e.g. int("soon") for post_at, a list where a str belongs
            raise _ApiError("invalid_arguments", f"{type(exc).__name__}: {exc}") from exc

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        fault = self._take_fault(RESPONSE_URL)
        if fault is not None:
            status, body, headers = self._fault_response(fault)
            return web.json_response(body, status=status, headers=headers)
        try:
            payload = await request.json()
        except ValueError as exc:
            self.invalid.append(InvalidPayload(RESPONSE_URL, f"invalid_json: {exc}"))
            return web.json_response({"ok": False, "error": "invalid_json"})
        if not isinstance(payload, dict):
            payload = {"_raw": payload}
        self._responses.append((key, payload))
        self._responses_by_key[key].append(payload)
        for waiter in self._response_waiters.pop(key, ()):
            if not waiter.done():
                waiter.set_result(None)
        errors = (
            ["/: a response body must be a JSON object"]
            if "_raw" in payload
            else _message_errors(payload, allow_empty=payload.get("delete_original") is True)
        )
        await self._notify()
        if errors:
            code = _error_code(errors)
            self.invalid.append(InvalidPayload(RESPONSE_URL, f"{code}: {'; '.join(errors)}"))
            return web.json_response({"ok": False, "error": code})
        return web.json_response({"ok": True})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._uploads:
            return web.Response(status=404, text="file not found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            data = parts[0].file.read() if parts else b""
        else:
            data = await request.read()
        filename, _ = self._uploads[file_id]
        self._uploads[file_id] = (filename, data)
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    # -- helpers for method handlers -----------------------------------------------------------

    def _next_ts(self) -> str:
        micros = _TS_BASE + 100 * next(self._ts_counter)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08d}"

    @staticmethod
    def _require(params: JsonDict, *names: str, error: str = "invalid_arguments") -> None:
        missing = [n for n in names if not params.get(n)]
        if missing:
            raise _ApiError(error, f"missing required argument(s): {', '.join(missing)}")

    @staticmethod
    def _validate_message(params: JsonDict, *, allow_empty: bool = False) -> None:
        errors = _message_errors(params, allow_empty=allow_empty)
        if errors:
            raise _ApiError(_error_code(errors), "; ".join(errors))

    def _resolve_channel(self, channel: str) -> str:
        return self.dm_channel_id(channel) if channel[:1] in ("U", "W") else channel

    def _message(self, params: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        return message

    def _user(self, user_id: str) -> _User:
        user = self._users.get(user_id)
        if user is None:
            if user_id[:1] not in ("U", "W"):
                raise _ApiError("user_not_found")
            self.set_user(user_id)
            user = self._users[user_id]
        return user

    # -- OAuth ---------------------------------------------------------------------------------

    def expect_oauth(
        self, *, client_id: str, client_secret: str, redirect_uri: str | None = None
    ) -> None:
        """Answer oauth.v2.access only for this app's credentials (and redirect URI, if set)."""
        self.oauth_client = (client_id, client_secret)
        self.oauth_redirect_uri = redirect_uri

    def grant(
        self,
        *,
        team_id: str | None,
        team_name: str = "Installing team",
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
        installer: str = "UINSTALLER",
        expires_in: int | None = None,
    ) -> str:
        """A code Slack would hand the browser when someone approves the install; one use.
        ``expires_in`` turns on token rotation for the token it becomes."""
        code = f"code-{next(self._counter)}-{random.getrandbits(32):08x}"
        self._codes[code] = _Grant(
            team_id, team_name, enterprise_id, is_enterprise_install, installer, expires_in
        )
        return code

    def revoke(self, token: str) -> None:
        """From now on the token is refused, as after an uninstall."""
        self.revoked.add(token)

    def _check_client(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            raise _ApiError("invalid_client_id")
        client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        if self.oauth_client is None or client_id != self.oauth_client[0]:
            raise _ApiError("invalid_client_id")
        if secret != self.oauth_client[1]:
            raise _ApiError("bad_client_secret")

    def _oauth_v2_access(self, params: JsonDict) -> JsonDict:
        if params.get("grant_type") == "refresh_token":
            grant = self._refresh_tokens.pop(str(params.get("refresh_token")), None)
            if grant is None:
                raise _ApiError("invalid_refresh_token")
            # A refreshed token lasts twelve hours, as Slack's do.
            return self._issue(replace(grant, expires_in=12 * 3600))
        grant = self._codes.pop(str(params.get("code")), None)
        if grant is None:
            raise _ApiError("invalid_code")
        if self.oauth_redirect_uri is not None and params.get("redirect_uri") != (
            self.oauth_redirect_uri
        ):
            raise _ApiError("bad_redirect_uri")
        return self._issue(grant)

    def _issue(self, grant: _Grant) -> JsonDict:
        owner = grant.team_id or grant.enterprise_id or "T"
        token = f"xoxb-{owner}-{next(self._counter)}-{random.getrandbits(32):08x}"
        self.token_teams[token] = owner
        if self.tokens is not None:
            self.tokens = self.tokens | {token}
        answer: JsonDict = {
            "app_id": self.app_id,
            "authed_user": {"id": grant.installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": grant.team_id, "name": grant.team_name} if grant.team_id else None,
            "enterprise": {"id": grant.enterprise_id, "name": "Org"}
            if grant.enterprise_id
            else None,
            "is_enterprise_install": grant.is_enterprise_install,
        }
        if grant.expires_in is not None:
            refresh = f"xoxe-1-{next(self._counter)}-{random.getrandbits(32):08x}"
            self._refresh_tokens[refresh] = grant
            answer |= {"refresh_token": refresh, "expires_in": grant.expires_in}
        return answer

    # -- method handlers -----------------------------------------------------------------------

    def _api_test(self, params: JsonDict) -> JsonDict:
        return {"args": {k: v for k, v in params.items() if isinstance(v, str)}}

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": "https://ccpl-test.slack.com/",
            "team": self.team,
            "user": "ccpl-bot",
            "team_id": self.token_teams.get(self._current_token or "", self.team_id),
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, params: JsonDict) -> JsonDict:
        return {"team": {"id": self.team_id, "name": self.team, "domain": "ccpl-test"}}

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._validate_message(params)
        channel = self._resolve_channel(str(params["channel"]))
        ts = self._next_ts()
        message = self._message(params, ts)
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "user", error="user_not_in_channel")
        self._validate_message(params)
        return {"message_ts": self._next_ts()}

    def _chat_update(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "ts", error="message_not_found")
        self._validate_message(params)
        channel, ts = str(params["channel"]), str(params["ts"])
        message = {**self.messages.get((channel, ts), {}), **self._message(params, ts)}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "ts", error="message_not_found")
        channel, ts = str(params["channel"]), str(params["ts"])
        self.messages.pop((channel, ts), None)
        return {"channel": channel, "ts": ts}

    def _chat_schedule_message(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "post_at", error="invalid_time")
        self._validate_message(params)
        return {
            "channel": self._resolve_channel(str(params["channel"])),
            "scheduled_message_id": self._next_id("Q"),
            "post_at": int(params["post_at"]),
            "message": self._message(params, self._next_ts()),
        }

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "message_ts", error="message_not_found")
        channel, ts = str(params["channel"]), str(params["message_ts"])
        return {
            "channel": channel,
            "permalink": f"https://ccpl-test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _validate_view(self, params: JsonDict) -> JsonDict:
        self._require(params, "view")
        view = params["view"]
        errors = view_errors(view)
        if errors:
            raise _ApiError("invalid_blocks", "; ".join(errors))
        assert isinstance(view, dict)
        return view

    def _view_answer(
        self, view: JsonDict, view_id: str, *, previous: str | None = None
    ) -> JsonDict:
        stored: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "root_view_id": view_id,
            "previous_view_id": previous,
            "callback_id": "",
            "external_id": "",
            "private_metadata": "",
            "state": {"values": {}},
            "hash": hashlib.sha1(json.dumps(view, sort_keys=True).encode()).hexdigest()[:20],
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
        }
        self.views[view_id] = stored
        return {"view": stored}

    def _views_open(self, params: JsonDict) -> JsonDict:
        self._require(params, "trigger_id")
        view = self._validate_view(params)
        return self._view_answer(view, self._next_id("V"))

    def _views_update(self, params: JsonDict) -> JsonDict:
        if not params.get("view_id") and not params.get("external_id"):
            raise _ApiError("invalid_arguments", "views.update needs view_id or external_id")
        view = self._validate_view(params)
        view_id = params.get("view_id")
        if not view_id:
            external_id = params["external_id"]
            found = [k for k, v in self.views.items() if v.get("external_id") == external_id]
            if not found:
                raise _ApiError("not_found")
            view_id = found[0]
        return self._view_answer(view, str(view_id))

    def _views_publish(self, params: JsonDict) -> JsonDict:
        self._require(params, "user_id")
        view = self._validate_view(params)
        if view.get("type") != "home":
            raise _ApiError("invalid_arguments", "views.publish needs a view of type home")
        view_id = f"VHOME{params['user_id']}"
        return self._view_answer(view, view_id)

    def _users_info(self, params: JsonDict) -> JsonDict:
        self._require(params, "user", error="user_not_found")
        user = self._user(str(params["user"]))
        zone = ZoneInfo(user.tz)
        now = dt.datetime.now(zone)
        offset = now.utcoffset() or dt.timedelta()
        profile: JsonDict = {
            "real_name": user.real_name,
            "display_name": user.name,
            "first_name": user.real_name.split(" ")[0],
        }
        if user.email is not None:
            profile["email"] = user.email
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": user.deleted,
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "tz": user.tz,
                "tz_label": now.tzname() or user.tz,
                "tz_offset": int(offset.total_seconds()),
                "profile": profile,
                "updated": 1_700_000_000,
            }
        }

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if params.get("channel"):
            return {"no_op": True, "already_open": True, "channel": {"id": params["channel"]}}
        self._require(params, "users", error="users_list_not_supplied")
        users = [u.strip() for u in str(params["users"]).split(",") if u.strip()]
        if len(users) == 1:
            channel: JsonDict = {"id": self.dm_channel_id(users[0])}
            if str(params.get("return_im", "")).lower() in ("1", "true"):
                channel.update({"is_im": True, "user": users[0], "created": 1_700_000_000})
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel = {"id": f"G{digest}"}
        return {"no_op": False, "already_open": False, "channel": channel}

    def _conversations_members(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        members = self._members.get(str(params["channel"]), [])
        limit = int(params.get("limit") or 100) or 100
        start = 0
        cursor = params.get("cursor")
        if cursor:
            try:
                start = int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
            except ValueError:
                raise _ApiError("invalid_cursor") from None
        page = members[start : start + limit]
        end = start + len(page)
        next_cursor = base64.b64encode(f"offset:{end}".encode()).decode()
        return {
            "members": page,
            "response_metadata": {"next_cursor": next_cursor if end < len(members) else ""},
        }

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        channel_id = str(params["channel"])
        if channel_id not in self._channels:
            if channel_id.startswith("D"):
                return {
                    "channel": {
                        "id": channel_id,
                        "is_im": True,
                        "is_channel": False,
                        "is_private": True,
                        "user": "U" + channel_id[1:],
                        "created": 1_700_000_000,
                    }
                }
            self.set_channel(channel_id)
        channel = dict(self._channels[channel_id])
        if str(params.get("include_num_members", "")).lower() in ("1", "true"):
            channel["num_members"] = len(self._members.get(channel_id, []))
        return {"channel": channel}

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        self._require(params, "filename", "length")
        file_id = self._next_id("F")
        self._uploads[file_id] = (str(params["filename"]), None)
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        self._require(params, "files")
        files = params["files"]
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise _ApiError("invalid_arguments", "files: not valid JSON") from None
        if not isinstance(files, list) or not files:
            raise _ApiError("invalid_arguments", "files must be a non-empty JSON array")
        params["files"] = files
        channel = params.get("channel_id") or None
        channels = [channel] if channel else []
        answered: list[JsonDict] = []
        completed: list[UploadedFile] = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            filename, data = self._uploads.get(str(file_id), ("", None))
            if data is None:
                raise _ApiError("file_not_found", f"file {file_id} was not uploaded")
            completed.append(UploadedFile(filename, data, str(channel) if channel else None))
            answered.append(
                {
                    "id": file_id,
                    "name": filename,
                    "title": item.get("title") or filename,
                    "size": len(data),
                    "channels": channels,
                    "permalink": f"https://ccpl-test.slack.com/files/{self.bot_user_id}/{file_id}",
                }
            )
        for item in files:
            self._uploads.pop(str(item["id"]), None)
        self.files.extend(completed)
        return {"files": answered}

    def _pins_add(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "timestamp", error="message_not_found")
        key = (str(params["channel"]), str(params["timestamp"]))
        if key in self.pins:
            raise _ApiError("already_pinned")
        self.pins.add(key)
        return {}

    def _reactions_add(self, params: JsonDict) -> JsonDict:
        self._require(params, "channel", error="channel_not_found")
        self._require(params, "timestamp", error="message_not_found")
        self._require(params, "name", error="invalid_name")
        key = (str(params["channel"]), str(params["timestamp"]), str(params["name"]))
        if key in self._reactions:
            raise _ApiError("already_reacted")
        self._reactions.add(key)
        return {}
