"""Reflections in Slack, by signed requests: modal, errors in the form, export, erasure."""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select

from bot.logs import configure_logging
from bot.slack.app import UNAVAILABLE_FORM
from handlers import Actor, Context
from storage import Database
from storage.models import Member, Reflection, TipShown
from tests.bot.slack_harness import Harness, running_bot, submit_view

VALID_NHS_NUMBER = "943 476 5919"
ANSWERS = {
    "title": "Journal club on shared decision making",
    "activity": "Monthly journal club with pharmacists and GPs.",
    "learned": "Shared decisions need time set aside for them.",
    "changed": "I now book longer slots for complex reviews.",
    "code": "Prioritise people: listening to what matters to them.",
    "code_themes": ("prioritise-people",),
    "cpd_minutes": "60",
    "participatory": ("yes",),
    "principles": ("2",),
    "visibility": "private",
}


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[Harness]:
    async with running_bot(ctx=ctx) as harness:
        yield harness


async def _open_form(bot: Harness, actor: Actor, template: str = "nmc") -> dict[str, Any]:
    opened_before = len(bot.fake.calls_to("views.open"))
    sent = await bot.post(
        bot.command_body(
            text=f"reflect {template}", team=actor.workspace, user=actor.user, key="f"
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert sent.status == 200
    calls = await bot.fake.wait_for("views.open", count=opened_before + 1)
    view: dict[str, Any] = calls[-1].params["view"]
    return view


async def _count(database: Database, model: Any, actor: Actor) -> int:
    async with database.transaction() as session:
        member = await session.scalar(select(Member.id).where(Member.external_id == actor.user))
        if member is None:
            return 0
        found = await session.scalar(
            select(func.count()).select_from(model).where(model.member_id == member)
        )
    return int(found or 0)


async def test_log_a_reflection_through_the_modal_and_find_it(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    view = await _open_form(bot, actor)
    assert view["callback_id"] == "reflect.save"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"][:5] == [
        "title",
        "activity",
        "learned",
        "changed",
        "code",
    ]
    sent = await submit_view(bot, view=view, answers=ANSWERS, team=actor.workspace, user=actor.user)
    assert sent.status == 200 and sent.body == ""  # an empty ack closes the modal
    [dm] = await bot.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == actor.user  # posting to a user id is their DM with us
    assert "Saved your reflection" in dm.params["text"]
    listing = await bot.command(text="reflections", team=actor.workspace, user=actor.user)
    assert ANSWERS["title"] in json.dumps(listing)


async def test_another_member_never_sees_it(bot: Harness, actor: Actor, ctx: Context) -> None:
    view = await _open_form(bot, actor)
    await submit_view(bot, view=view, answers=ANSWERS, team=actor.workspace, user=actor.user)
    await bot.fake.wait_for("chat.postMessage")
    other = "U" + uuid.uuid4().hex[:8].upper()
    theirs = await bot.command(text="reflections", team=actor.workspace, user=other)
    assert "You have no reflections yet" in json.dumps(theirs)
    async with ctx.database.transaction() as session:
        reflection_id = await session.scalar(select(func.max(Reflection.id)))
    peek = await bot.click(
        action_id="reflections.view", value=str(reflection_id), team=actor.workspace, user=other
    )
    assert "can't find that reflection" in json.dumps(peek)
    assert ANSWERS["activity"] not in json.dumps(peek)


async def test_an_nhs_number_is_refused_in_the_form_and_nothing_is_stored(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    view = await _open_form(bot, actor)
    answers = {**ANSWERS, "learned": f"Patient {VALID_NHS_NUMBER} taught me a lot."}
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    body = json.loads(sent.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"learned"}
    assert "NHS number" in body["errors"]["learned"]
    assert "5919" not in body["errors"]["learned"]
    assert await _count(ctx.database, Reflection, actor) == 0
    assert bot.fake.calls_to("chat.postMessage") == []


async def test_a_refused_quick_note_opens_the_modal_with_its_text_and_the_problems(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    note = f"Patient {VALID_NHS_NUMBER} taught me to listen before I plan"
    view = await bot.open_form(
        text=f"reflect {note}", team=actor.workspace, user=actor.user, channel="C0FORUM1"
    )
    assert view["callback_id"] == "reflect.save"  # the full form, from the command's trigger
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["what"]["element"]["initial_value"] == note
    for field in ("title", "what"):  # every problem at once, beside its field
        [problem] = blocks[f"{field}.problem"]["elements"]
        assert "NHS number" in problem["text"] and "5919" not in problem["text"]
    assert await _count(ctx.database, Reflection, actor) == 0

    answers = {"title": "Listening first", "what": "A patient taught me to listen first"}
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert sent.status == 200 and not sent.body  # accepted: the modal closes
    await bot.fake.wait_for("chat.postMessage")
    assert await _count(ctx.database, Reflection, actor) == 1


async def test_a_refused_quick_note_in_a_direct_message_says_why_and_where_to_go(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    # A message carries no trigger to open a modal with: the answer says what was
    # wrong, so the person can change the note they can still see above it.
    event = {
        "type": "message",
        "channel_type": "im",
        "user": actor.user,
        "text": f"reflect Patient {VALID_NHS_NUMBER} taught me to listen",
        "ts": "1700000002.000100",
        "channel": "D0LEADER",
        "event_ts": "1700000002.000100",
    }
    sent = await bot.event(event=event, team=actor.workspace, event_id="EvNoteRefused")
    assert sent.status == 200
    [call] = await bot.fake.wait_for("chat.postMessage")
    assert "This looks like an NHS number" in call.params["text"]
    assert "Type the /ccpl command to open the form." in call.params["text"]
    assert "5919" not in call.params["text"]
    assert await _count(ctx.database, Reflection, actor) == 0


async def test_ten_digits_failing_the_check_digit_are_accepted(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    view = await _open_form(bot, actor, template="what")
    answers = {"title": "Ref 9434765918", "what": "Order 9434765918 of supplies", "so_what": ""}
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert sent.status == 200 and sent.body == ""
    assert await _count(ctx.database, Reflection, actor) == 1


async def test_an_over_long_answer_gets_a_field_error_naming_the_limit(
    bot: Harness, actor: Actor
) -> None:
    view = await _open_form(bot, actor, template="what")
    answers = {"title": "Long", "what": "x" * 3001}
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    errors = json.loads(sent.body)["errors"]
    assert "3,000 characters" in errors["what"]


async def test_database_down_keeps_the_modal_open(pack: Any, actor: Actor) -> None:
    down = Database(url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    ctx = Context(pack=pack, database=down)
    try:
        async with running_bot(ctx=ctx) as bot:
            view = await _open_form(bot, actor, template="what")
            answers = {"title": "Kept", "what": "Everything I typed"}
            sent = await submit_view(
                bot, view=view, answers=answers, team=actor.workspace, user=actor.user
            )
            body = json.loads(sent.body)
            assert body["response_action"] == "errors"
            assert list(body["errors"].values()) == [UNAVAILABLE_FORM]
    finally:
        await down.dispose()


async def test_shared_anonymously_posts_with_no_author(bot: Harness, actor: Actor) -> None:
    bot.fake.set_channel_members("C0FORUM", [actor.user])  # one shares where one is
    view = await _open_form(bot, actor, template="what")
    answers = {
        "title": "What silence taught me",
        "what": "The quietest person had the answer.",
        "visibility": "shared",
        "channel": "C0FORUM",
    }
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert sent.body == ""
    calls = await bot.fake.wait_for("chat.postMessage", count=2)
    [post] = [c for c in calls if c.params["channel"] == "C0FORUM"]
    shown = json.dumps(post.params)
    assert "The quietest person had the answer." in shown
    assert actor.user not in shown and "leader" not in shown


async def test_sharing_without_a_channel_asks_for_one(bot: Harness, actor: Actor) -> None:
    view = await _open_form(bot, actor, template="what")
    answers = {"title": "T", "what": "W", "visibility": "shared"}
    sent = await submit_view(bot, view=view, answers=answers, team=actor.workspace, user=actor.user)
    assert set(json.loads(sent.body)["errors"]) == {"channel"}


async def test_export_arrives_as_a_pdf_that_opens_and_a_csv_that_parses(
    bot: Harness, actor: Actor
) -> None:
    for title in ("First", "Second"):
        view = await _open_form(bot, actor)
        await submit_view(
            bot,
            view=view,
            answers={**ANSWERS, "title": title},
            team=actor.workspace,
            user=actor.user,
        )
    answer = await bot.command(text="export", team=actor.workspace, user=actor.user)
    assert "direct messages" in answer["text"] or "Preparing" in answer["text"]
    await bot.fake.wait_for("files.completeUploadExternal")
    files = {f.filename.rsplit(".", 1)[1]: f for f in bot.fake.files}
    pdf = pypdf.PdfReader(io.BytesIO(files["pdf"].content))
    assert len(pdf.pages) == 4  # a summary, the CPD log, and one account per page
    assert "First" in pdf.pages[2].extract_text() + pdf.pages[3].extract_text()
    rows = list(csv.DictReader(io.StringIO(files["csv"].content.decode("utf-8-sig"))))
    assert {r["title"] for r in rows} == {"First", "Second"}
    assert files["pdf"].channel_id is not None and files["pdf"].channel_id.startswith("D")


async def test_forget_me_after_confirmation_leaves_no_row(
    bot: Harness, actor: Actor, ctx: Context
) -> None:
    view = await _open_form(bot, actor)
    await submit_view(bot, view=view, answers=ANSWERS, team=actor.workspace, user=actor.user)
    await bot.command(text="tip", team=actor.workspace, user=actor.user)
    asked = await bot.command(text="forget-me", team=actor.workspace, user=actor.user)
    assert await _count(ctx.database, Reflection, actor) == 1  # asking erases nothing
    button = next(b for b in asked["blocks"] if b["type"] == "actions")["elements"][0]
    done = await bot.click(action_id=button["action_id"], team=actor.workspace, user=actor.user)
    assert "erased everything" in done["text"]
    assert await _count(ctx.database, Reflection, actor) == 0
    assert await _count(ctx.database, TipShown, actor) == 0
    async with ctx.database.transaction() as session:
        left = await session.scalar(
            select(func.count()).select_from(Member).where(Member.external_id == actor.user)
        )
    assert left == 0


async def test_my_data_sends_json_of_everything(bot: Harness, actor: Actor) -> None:
    view = await _open_form(bot, actor)
    await submit_view(bot, view=view, answers=ANSWERS, team=actor.workspace, user=actor.user)
    await bot.command(text="my-data", team=actor.workspace, user=actor.user)
    await bot.fake.wait_for("files.completeUploadExternal")
    [data] = [f for f in bot.fake.files if f.filename.endswith(".json")]
    held = json.loads(data.content)
    assert held["member"]["user"] == actor.user
    assert held["reflections"][0]["answers"]["activity"] == ANSWERS["activity"]


async def test_reflection_text_never_reaches_a_log(
    bot: Harness, actor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(level=logging.DEBUG)  # even at DEBUG, as the bot configures it
    caplog.set_level(logging.DEBUG)
    secret = "Unmistakable reflective sentence 7731"
    view = await _open_form(bot, actor, template="what")
    await submit_view(
        bot,
        view=view,
        answers={"title": "Private", "what": secret},
        team=actor.workspace,
        user=actor.user,
    )
    await bot.fake.wait_for("chat.postMessage")
    await bot.command(text=f"reflect {secret} quick", team=actor.workspace, user=actor.user)
    assert secret not in caplog.text
