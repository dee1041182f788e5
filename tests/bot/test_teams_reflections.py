"""Reflections in Teams: the form as a card, the NHS number refused on the card with
everything typed kept, saving, and the form opened privately when asked in a channel."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.logs import configure_logging
from handlers import Context
from storage.models import Member, Reflection
from tests.bot.teams_harness import TeamsHarness, find_action, inputs, running_teams

VALID_NHS_NUMBER = "943 476 5919"
CHANNEL = "19:forum0002@thread.tacv2"
ANSWERS = {
    "title": "Journal club on shared decision making",
    "activity": "Monthly journal club with pharmacists and GPs.",
    "learned": "Shared decisions need time set aside for them.",
    "changed": "I now book longer slots for complex reviews.",
    "code": "Prioritise people: listening to what matters to them.",
    "code_themes": "prioritise-people",  # a multi-select sends its values joined by commas
    "cpd_minutes": "60",
    "participatory": "yes",
    "principles": "2",
    "visibility": "private",
}


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx) as harness:
        yield harness


@pytest.fixture
def tenant() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


async def _reflections(ctx: Context, user: str) -> int:
    async with ctx.database.transaction() as session:
        member = await session.scalar(select(Member.id).where(Member.external_id == user))
        found = await session.scalar(
            select(func.count()).select_from(Reflection).where(Reflection.member_id == member)
        )
    return int(found or 0)


async def test_an_nhs_number_is_refused_on_the_card_and_the_text_is_kept(
    bot: TeamsHarness, ctx: Context, tenant: str, user: str
) -> None:
    [form] = await bot.say("reflect nmc", tenant=tenant, user=user)
    [card] = form.cards
    fields = inputs(card)
    assert list(fields)[:5] == ["title", "activity", "learned", "changed", "code"]
    assert fields["title"]["maxLength"] > 0 and fields["title"]["isRequired"] is True
    assert fields["code_themes"]["type"] == "Input.ChoiceSet"
    assert fields["code_themes"]["isMultiSelect"] is True

    typed = {**ANSWERS, "learned": f"Patient {VALID_NHS_NUMBER} taught me a lot."}
    [shown_again] = await bot.press(
        form, title=find_action(form, "Save")["title"], tenant=tenant, user=user, inputs=typed
    )
    assert shown_again.update and shown_again.id == form.id  # the same card, replaced
    [again] = shown_again.cards
    body = again["body"]
    learned_at = next(i for i, item in enumerate(body) if item.get("id") == "learned")
    error = body[learned_at + 1]
    assert error["type"] == "TextBlock" and error["color"] == "Attention"
    assert "NHS number" in error["text"] and "5919" not in error["text"]
    kept = {k: v.get("value") for k, v in inputs(again).items()}
    assert kept["learned"] == typed["learned"]  # nothing typed is lost
    assert kept["title"] == ANSWERS["title"] and kept["code_themes"] == "prioritise-people"
    assert await _reflections(ctx, user) == 0

    # Corrected and saved on the same card.
    [saved] = await bot.press(shown_again, title="Save", tenant=tenant, user=user, inputs=ANSWERS)
    assert saved.update and saved.id == form.id
    assert "Saved your reflection" in saved.text
    assert VALID_NHS_NUMBER not in saved.text
    assert await _reflections(ctx, user) == 1


async def test_a_refused_quick_note_comes_back_as_the_form_card_with_its_text(
    bot: TeamsHarness, ctx: Context, tenant: str, user: str
) -> None:
    note = f"Patient {VALID_NHS_NUMBER} taught me to listen before I plan"
    [form] = await bot.say(f"reflect {note}", tenant=tenant, user=user)
    [card] = form.cards
    assert inputs(card)["what"]["value"] == note
    body = card["body"]
    for field in ("title", "what"):  # every problem at once, under its field
        at = next(i for i, item in enumerate(body) if item.get("id") == field)
        under = [i for i in body[at + 1 :] if i["type"] == "TextBlock"][:2]  # a hint, then it
        [error] = [i for i in under if i.get("color") == "Attention"]
        assert "NHS number" in error["text"] and "5919" not in error["text"]
    assert await _reflections(ctx, user) == 0

    fixed = {"title": "Listening first", "what": "A patient taught me to listen first"}
    [saved] = await bot.press(form, title="Save", tenant=tenant, user=user, inputs=fixed)
    assert "Saved your reflection" in saved.text
    assert await _reflections(ctx, user) == 1


async def test_reflect_in_a_channel_opens_the_form_in_the_personal_chat(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    note, form = await bot.say("reflect gibbs", tenant=tenant, user=user, channel=CHANNEL)
    assert (
        note.conversation.startswith(CHANNEL)
        and "sent you a form in our personal chat" in note.text
    )
    assert form.conversation == f"a:personal-29:{user}"
    fields = inputs(form.cards[0])  # the form, where only its author sees what they type
    share = fields["channel"]  # where to share it, if shared: this channel is offered
    assert share["type"] == "Input.ChoiceSet"
    assert {"title": "This channel", "value": CHANNEL} in share["choices"]


async def test_reflection_text_never_reaches_a_log(
    bot: TeamsHarness, tenant: str, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(level=logging.DEBUG)  # even at DEBUG, as the bot configures it
    caplog.set_level(logging.DEBUG)
    secret = "Unmistakable reflective sentence 7731"
    [form] = await bot.say("reflect what", tenant=tenant, user=user)
    await bot.press(
        form, title="Save", tenant=tenant, user=user, inputs={"title": "Private", "what": secret}
    )
    await bot.say(f"reflect {secret} quick", tenant=tenant, user=user)
    assert secret not in caplog.text


TEAM = "19:team@thread.tacv2"  # the team the harness's channel activities name
IDEAS = "19:ideas@thread.tacv2"


async def _met_in(bot: TeamsHarness, *, channel: str, tenant: str, user: str) -> None:
    """A message in a channel whose name Teams left out, as it does for General."""
    activity = bot.activity(tenant=tenant, user=user, channel=channel, text="tip")
    del activity["channelData"]["channel"]["name"]
    assert (await bot.post(activity)).status in (200, 202)


async def test_a_shared_reflection_names_its_channels_and_is_one_message(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    bot.fake.channel_lists[TEAM] = [{"id": TEAM}, {"id": IDEAS, "name": "Ideas"}]
    bot.fake.set_roster(TEAM, [user])
    for channel in (TEAM, IDEAS):
        await _met_in(bot, channel=channel, tenant=tenant, user=user)
    [form] = await bot.say("reflect what", tenant=tenant, user=user)
    choices = {c["title"]: c["value"] for c in inputs(form.cards[0])["channel"]["choices"]}
    assert choices == {"Ideas": IDEAS, "General": TEAM}  # read from the team's channel list
    assert bot.fake.channel_list_reads == 1

    shared = {"title": "Handover", "what": "Ask earlier.", "visibility": "shared"}
    answers = await bot.press(
        form, title="Save", tenant=tenant, user=user, inputs={**shared, "channel": IDEAS}
    )
    # One post in the channel, and the form itself becomes the answer: no second message.
    [post] = [a for a in answers if not a.update]
    [replaced] = [a for a in answers if a.update]
    assert replaced.update and replaced.id == form.id
    assert post.conversation == IDEAS and "Ask earlier." in post.text
    # Asked again: the names are kept, and the list is not read again.
    await bot.say("reflect what", tenant=tenant, user=user)
    assert bot.fake.channel_list_reads == 1
