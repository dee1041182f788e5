"""Tests of the test fakes, driven through the real slack_sdk clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy.engine import make_url

from tests.fakes.postgres import (
    asyncpg_dsn,
    drop_database,
    fresh_database,
    postgres_url_or_skip,
)
from tests.fakes.slack_web_api import (
    RESPONSE_URL,
    FakeSlackWebApi,
    UploadedFile,
    block_errors,
    view_errors,
)

TOKEN = "xoxb-test-token"


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackWebApi]:
    async with FakeSlackWebApi() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlackWebApi) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.base_url)


# -- recording and validation -------------------------------------------------------------------


async def test_valid_post_message_is_recorded_and_ok(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Welcome"}},
        section("*Hello* leaders", block_id="intro"),
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Join"},
                    "action_id": "join",
                    "value": "cohort-1",
                    "style": "primary",
                }
            ],
        },
    ]
    first = await client.chat_postMessage(channel="C123", text="Hello", blocks=blocks)
    second = await client.chat_postMessage(channel="C123", text="Again")

    assert first["ok"] is True
    assert first["channel"] == "C123"
    assert first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    [call, _] = fake.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks  # decoded to real lists, not a JSON string
    assert call.params["text"] == "Hello"
    assert call.token == TOKEN
    assert call.ok
    assert fake.invalid == []
    assert fake.messages[("C123", first["ts"])]["text"] == "Hello"


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param([section("x" * 3001)], "cannot exceed 3000", id="section-text-too-long"),
        pytest.param(
            [{"type": "banner", "text": {"type": "plain_text", "text": "hi"}}],
            "unknown block type",
            id="unknown-block-type",
        ),
        pytest.param(
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "cannot exceed 150",
            id="header-too-long",
        ),
        pytest.param(
            [section("a", block_id="b" * 256)], "block_id cannot exceed", id="long-block-id"
        ),
        pytest.param(
            [section("a", block_id="same"), section("b", block_id="same")],
            "duplicate block_id",
            id="duplicate-block-id",
        ),
        pytest.param(
            [{"type": "section", "text": "bare string"}],
            "must be an object",
            id="bare-string-text",
        ),
        pytest.param(
            [section("a", acessory={"type": "image"})],
            "unknown or misplaced property",
            id="typo-property",
        ),
        pytest.param(
            [{"type": "actions", "elements": [{"type": "buton", "action_id": "x"}]}],
            "unknown element",
            id="unknown-element",
        ),
        pytest.param(
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "x",
                            "text": {"type": "plain_text", "text": "t" * 76},
                        }
                    ],
                }
            ],
            "cannot exceed 75",
            id="nested-button-text-too-long",
        ),
        pytest.param([section(str(n)) for n in range(51)], "at most 50", id="too-many-blocks"),
    ],
)
async def test_invalid_blocks_are_rejected_and_recorded(
    fake: FakeSlackWebApi,
    client: AsyncWebClient,
    blocks: list[dict[str, Any]],
    expected: str,
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)

    assert raised.value.response["error"] == "invalid_blocks"
    assert raised.value.response.status_code == 200
    [(method, error)] = fake.invalid
    assert method == "chat.postMessage"
    assert expected in error
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.messages == {}


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_message_needs_text_or_blocks(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1")
    assert raised.value.response["error"] == "no_text"
    assert [i.method for i in fake.invalid] == ["chat.postMessage"]


async def test_blocks_sent_as_form_data_are_decoded_and_validated(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    blocks = [section("from a form")]
    form = {"channel": "C1", "user": "U1", "blocks": json.dumps(blocks)}
    ok = await client.api_call("chat.postEphemeral", data=form)
    assert ok["message_ts"]
    assert fake.calls[-1].params["blocks"] == blocks

    with pytest.raises(SlackApiError) as raised:
        await client.api_call(
            "chat.update", data={"channel": "C1", "ts": "1.2", "blocks": "[not json"}
        )
    assert raised.value.response["error"] == "invalid_blocks_format"
    assert fake.invalid[-1].method == "chat.update"


def test_block_errors_accepts_realistic_blocks() -> None:
    option = {"text": {"type": "plain_text", "text": "A"}, "value": "a"}
    blocks = [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*a*"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
        {
            "type": "input",
            "block_id": "pick",
            "label": {"type": "plain_text", "text": "Pick"},
            "element": {"type": "static_select", "action_id": "sel", "options": [option]},
            "optional": True,
        },
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [{"type": "text", "text": "hi", "style": {"bold": True}}],
                }
            ],
        },
    ]
    assert block_errors(blocks) == []


# -- views --------------------------------------------------------------------------------------


async def test_views_are_validated(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "feedback",
        "title": {"type": "plain_text", "text": "Feedback"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": {"type": "plain_text", "text": "Your thoughts"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
    }
    opened = await client.views_open(trigger_id="123.456.abc", view=modal)
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "feedback"

    updated = await client.views_update(view_id=opened["view"]["id"], view=modal)
    assert updated["view"]["id"] == opened["view"]["id"]

    home = {"type": "home", "blocks": [section("Home")]}
    published = await client.views_publish(user_id="U1", view=home)
    assert published["view"]["type"] == "home"
    assert fake.invalid == []

    too_long_title = {**modal, "title": {"type": "plain_text", "text": "t" * 25}}
    with pytest.raises(SlackApiError) as raised:
        await client.views_push(trigger_id="123.456.abc", view=too_long_title)
    assert raised.value.response["error"] == "invalid_blocks"
    assert "title" in fake.invalid[-1].error

    assert view_errors({**modal, "submit": None}) == [
        "/view/submit: a modal with input blocks needs a submit button"
    ]


# -- fault injection ----------------------------------------------------------------------------


async def test_rate_limit_is_retried_by_the_rate_limit_handler(fake: FakeSlackWebApi) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next(method="chat.postMessage", status=429, retry_after=0, times=1)

    result = await client.chat_postMessage(channel="C1", text="hello")

    assert result["ok"] is True
    first, second = fake.calls_to("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.ok
    assert len(fake.calls_to("chat.postMessage", successful=True)) == 1


async def test_rate_limit_without_handler_surfaces(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    fake.fail_next(method="chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="hello")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    # the fault was used up
    assert (await client.chat_postMessage(channel="C1", text="hello"))["ok"]


async def test_server_errors_and_slack_errors(fake: FakeSlackWebApi) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=fake.base_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next(method="users.info", status=503)
    assert (await client.users_info(user="U1"))["ok"]
    assert [c.status for c in fake.calls_to("users.info")] == [503, 200]

    fake.fail_next(status=200, error="channel_not_found")  # any method
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_info(channel="C1")
    assert raised.value.response["error"] == "channel_not_found"


async def test_random_429s_are_seeded(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    fake.random_429s(rate=1.0, seed=1)
    with pytest.raises(SlackApiError):
        await client.auth_test()
    fake.random_429s(rate=0)
    assert (await client.auth_test())["ok"]


async def test_rate_limits_are_off_by_default(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    for _ in range(3):
        await client.chat_postMessage(channel="C1", text="hello")
    assert fake.accepted_posts == {"C1": 3}


async def test_enforced_rate_limits_answer_429_with_retry_after(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    now = [1000.0]
    fake.monotonic = lambda: now[0]
    fake.enforce_rate_limits(per_channel_per_second=20)  # one post per 50 ms per channel
    await client.chat_postMessage(channel="C1", text="one")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="too soon")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "1"  # rounded up, at least 1
    await client.chat_postMessage(channel="C2", text="another channel is fine")
    await client.conversations_open(users="U1")  # only chat.postMessage is limited
    now[0] += 0.06
    await client.chat_postMessage(channel="C1", text="later")
    await client.chat_postMessage(channel="U1", text="a DM by user id")
    assert fake.accepted_posts == {"C1": 2, "C2": 1, "D1": 1}
    assert fake.rate_limited == {"channel": 1}
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 429, 200, 200, 200]
    assert not fake.calls_to("chat.postMessage")[1].ok

    fake.enforce_rate_limits(per_channel_per_second=None, global_per_second=2)
    await client.chat_postMessage(channel="C3", text="burst 1")
    await client.chat_postMessage(channel="C4", text="burst 2")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C5", text="over the global limit")
    assert raised.value.response.headers["Retry-After"] == "1"
    assert "C5" not in fake.accepted_posts
    assert fake.rate_limited["global"] == 1

    fake.enforce_rate_limits(per_channel_per_second=None, random_429_rate=1.0, retry_after=3)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C6", text="unlucky")
    assert raised.value.response.headers["Retry-After"] == "3"
    assert fake.rate_limited == {"channel": 1, "global": 1, "random": 1}

    fake.enforce_rate_limits(per_channel_per_second=None)  # off again
    await client.chat_postMessage(channel="C6", text="lucky")
    fake.reset()
    assert (fake.accepted_posts, fake.rate_limited) == ({}, {})


async def test_enforced_rate_limits_are_waited_out_by_the_retry_handler(
    fake: FakeSlackWebApi,
) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake.enforce_rate_limits(per_channel_per_second=2)
    await client.chat_postMessage(channel="C1", text="one")
    assert (await client.chat_postMessage(channel="C1", text="two"))["ok"]
    assert fake.accepted_posts == {"C1": 2}
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 429, 200]


# -- auth and other methods ---------------------------------------------------------------------


async def test_auth(fake: FakeSlackWebApi) -> None:
    auth = await AsyncWebClient(token=TOKEN, base_url=fake.base_url).auth_test()
    assert auth["team_id"] == fake.team_id
    assert auth["user_id"] == fake.bot_user_id
    assert auth["bot_id"] == fake.bot_id

    for token in (None, "not-a-slack-token"):
        with pytest.raises(SlackApiError) as raised:
            await AsyncWebClient(token=token, base_url=fake.base_url).auth_test()
        assert raised.value.response["error"] == "not_authed"


async def test_unknown_method(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.api_call("chat.teleport", json={"channel": "C1"})
    assert raised.value.response["error"] == "unknown_method"
    assert fake.invalid[-1].method == "chat.teleport"


async def test_users_and_conversations(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    fake.set_user("U1", is_admin=True, tz="America/New_York")
    admin = (await client.users_info(user="U1"))["user"]
    assert (admin["is_admin"], admin["is_owner"], admin["tz"]) == (True, False, "America/New_York")
    assert admin["tz_offset"] in (-5 * 3600, -4 * 3600)
    default = (await client.users_info(user="U2"))["user"]
    assert (default["is_admin"], default["tz"]) == (False, "Europe/London")

    dm = await client.conversations_open(users="U2")
    assert dm["channel"]["id"] == fake.dm_channel_id("U2") == "D2"
    posted = await client.chat_postMessage(channel="U2", text="hi")
    assert posted["channel"] == "D2"

    fake.set_channel_members("C1", [f"U{n}" for n in range(5)])
    members: list[str] = []
    async for page in await client.conversations_members(channel="C1", limit=2):
        members += page["members"]
    assert members == ["U0", "U1", "U2", "U3", "U4"]
    assert len(fake.calls_to("conversations.members")) == 3

    info = await client.conversations_info(channel="C1", include_num_members=True)
    assert info["channel"]["num_members"] == 5

    await client.reactions_add(channel="C1", timestamp=posted["ts"], name="wave")
    with pytest.raises(SlackApiError) as raised:
        await client.reactions_add(channel="C1", timestamp=posted["ts"], name="wave")
    assert raised.value.response["error"] == "already_reacted"


async def test_files_upload_v2(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    result = await client.files_upload_v2(
        channel="C123", content=b"a,b\n1,2\n", filename="x.csv", initial_comment="Export"
    )

    assert result["file"]["name"] == "x.csv"
    assert fake.files == [UploadedFile("x.csv", b"a,b\n1,2\n", "C123")]
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["initial_comment"] == "Export"


# -- response URLs and waiting ------------------------------------------------------------------


async def test_response_urls(fake: FakeSlackWebApi) -> None:
    url = fake.response_url(key="abc")
    webhook = AsyncWebhookClient(url)

    ok = await webhook.send(text="Done", blocks=[section("Done")], response_type="ephemeral")
    assert ok.status_code == 200
    assert await fake.wait_for_response(count=1) == [
        {"text": "Done", "blocks": [section("Done")], "response_type": "ephemeral"}
    ]
    assert fake.responses_to("abc") == fake.responses

    await webhook.send_dict({"delete_original": True})  # no text needed to delete
    assert fake.invalid == []

    bad = await webhook.send(text="x", blocks=[section("y" * 3001)])
    assert '"invalid_blocks"' in bad.body
    assert fake.invalid[-1].method == RESPONSE_URL

    fake.fail_next(method=RESPONSE_URL, status=500)
    assert (await webhook.send(text="later")).status_code == 500


async def test_wait_for_wakes_on_arrival_and_times_out(
    fake: FakeSlackWebApi, client: AsyncWebClient
) -> None:
    waiter = asyncio.create_task(fake.wait_for(method="chat.postMessage", count=2))
    await client.chat_postMessage(channel="C1", text="one")
    assert not waiter.done()
    await client.chat_postMessage(channel="C1", text="two")
    calls = await asyncio.wait_for(waiter, timeout=5)
    assert [c.params["text"] for c in calls] == ["one", "two"]

    with pytest.raises(TimeoutError, match=r"views\.open"):
        await fake.wait_for(method="views.open", timeout=0.05)


async def test_reset_forgets_records(fake: FakeSlackWebApi, client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel="C1", text="one")
    fake.reset()
    assert (fake.calls, fake.invalid, fake.files, fake.responses) == ([], [], [], [])


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_fresh_database_and_drop_database() -> None:
    server_url = postgres_url_or_skip()
    url = await fresh_database(server_url)
    name = make_url(url).database
    assert name is not None
    assert name != make_url(server_url).database

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await connection.fetchval("SELECT current_database()") == name
        assert (
            await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            == 0
        )
        await connection.execute("CREATE TABLE t (id int)")
    finally:
        await connection.close()

    lingering = await asyncpg.connect(asyncpg_dsn(url))  # dropped despite an open session
    await drop_database(url)
    assert lingering.is_closed() or not await _still_usable(lingering)

    server = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        exists = await server.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await server.close()
    assert exists is None


async def _still_usable(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
        return False
    finally:
        connection.terminate()
    return True
