"""Teams messages by loopback HTTP: commands in a personal chat and in a channel, and who
may post to /api/messages at all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import jwt
import pytest
from sqlalchemy import func, select

from bot.settings import SettingsError, load_settings
from bot.teams.auth import TeamsAuth, Unauthorized
from handlers import Context
from storage.conversations import known_channels
from storage.models import Member, TeamsMember, Workspace
from tests.bot.teams_harness import (
    APP_ID,
    OTHER_KEY,
    SigningKeys,
    TeamsHarness,
    find_action,
    running_teams,
    sign,
)

CHANNEL = "19:forum0001@thread.tacv2"


@pytest.fixture
def tenant() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def keys() -> SigningKeys:
    return SigningKeys()


@pytest.fixture
async def bot(ctx: Context, keys: SigningKeys) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx, keys=keys) as harness:
        yield harness


async def test_tip_in_a_personal_chat_and_another_by_button(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    [answer] = await bot.say("tip", tenant=tenant, user=user)
    assert answer.conversation == f"a:personal-29:{user}"
    [card] = answer.cards
    assert card["version"] == "1.5"
    assert find_action(answer, "Another tip")
    first = answer.text
    [another] = await bot.press(answer, title="Another tip", tenant=tenant, user=user)
    assert another.cards and another.text != first


async def test_a_tip_asked_for_in_a_channel_is_answered_in_its_thread(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    """A tip is for everyone, so it is answered where it was asked, with no detour."""
    [answer] = await bot.say("@CCPL tip", tenant=tenant, user=user, channel=CHANNEL)
    assert answer.conversation == f"{CHANNEL};messageid=1700000000000"
    assert find_action(answer, "Another tip")
    assert bot.fake.created == []  # no personal chat was opened


async def test_a_form_asked_for_in_a_channel_goes_to_the_personal_chat(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    """Slack would answer ephemerally; Teams has no such message, so a private answer goes
    to the person's 1:1 chat and the thread is told what went there."""
    note, form = await bot.say("@CCPL profile", tenant=tenant, user=user, channel=CHANNEL)
    assert note.conversation == f"{CHANNEL};messageid=1700000000000"
    assert "sent you a form in our personal chat" in note.text
    assert form.conversation == f"a:personal-29:{user}"
    assert form.cards and any(i["type"].startswith("Input.") for i in form.cards[0]["body"])
    [created] = bot.fake.created
    assert created["members"] == [{"id": f"29:{user}"}]
    assert created["tenantId"] == tenant and created["bot"] == {"id": f"28:{APP_ID}"}
    # The chat is kept: the next private answer goes straight there.
    await bot.say("profile", tenant=tenant, user=user, channel=CHANNEL)
    assert len(bot.fake.created) == 1


async def test_an_unknown_word_gets_help_with_commands_for_teams(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    [answer] = await bot.say("tpi", tenant=tenant, user=user)
    assert "Did you mean" in answer.text
    assert "/ccpl" not in answer.text  # commands are typed to the bot by name in Teams
    assert find_action(answer, "Run tip")


async def test_unsigned_and_forged_requests_are_refused(
    bot: TeamsHarness, tenant: str, user: str, keys: SigningKeys
) -> None:
    activity = bot.activity(tenant=tenant, user=user, text="tip")
    url = bot.fake.service_url
    refused = {
        "no token": None,
        "not bearer": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not-a-jwt",
        "HS256 with a guessable secret": "Bearer "
        + jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": url},
            "a-secret-anyone-could-guess-0123456789",
            algorithm="HS256",
            headers={"kid": "test-signing-key"},
        ),
        "another issuer": "Bearer " + sign(service_url=url, issuer="https://evil.example"),
    }
    for why, authorization in refused.items():
        answer = await bot.post(activity, authorization=authorization)
        assert answer.status == 401, why
    assert keys.lookups == 0  # refused on sight: no key was fetched for any of them

    signed_elsewhere = {
        "signed by another key": sign(service_url=url, key=OTHER_KEY),
        "for another bot": sign(service_url=url, audience=str(uuid.uuid4())),
        "for another service URL": sign(service_url="https://smba.example/emea/"),
    }
    for why, token in signed_elsewhere.items():
        answer = await bot.post(activity, authorization=f"Bearer {token}")
        assert answer.status == 401, why
    assert bot.fake.sent == [] and bot.fake.created == []
    assert (await bot.post(activity)).status in (200, 202)


async def test_the_default_key_source_fails_closed_without_a_network() -> None:
    auth = TeamsAuth(app_id=APP_ID)
    token = sign(service_url="https://smba.example/uk/")
    # No route to the key set here: refused quickly, not hung and not accepted.
    with pytest.raises(Unauthorized):
        await auth.identify(f"Bearer {token}")


async def test_anonymous_only_by_explicit_setting_and_never_with_an_app_id(ctx: Context) -> None:
    with pytest.raises(SettingsError, match="CCPL_TEAMS_ANONYMOUS"):
        load_settings(
            environ={"MICROSOFT_APP_ID": APP_ID, "CCPL_TEAMS_ANONYMOUS": "1"}, env_file=None
        )
    assert not load_settings(environ={}, env_file=None).has_teams
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    async with running_teams(
        ctx=ctx, environ={"MICROSOFT_APP_ID": "", "CCPL_TEAMS_ANONYMOUS": "1"}
    ) as bot:
        answer = await bot.post(
            bot.activity(tenant=tenant, user=user, text="tip"), authorization=None
        )
        assert answer.status in (200, 202)
        assert bot.fake.sent and bot.fake.unauthorised == 0


async def test_installing_in_a_team_keeps_the_channel_for_posts_and_says_hello(
    bot: TeamsHarness, ctx: Context, tenant: str, user: str
) -> None:
    install = bot.activity(tenant=tenant, user=user, channel=CHANNEL, kind="installationUpdate")
    install["action"] = "add"
    install["conversation"]["id"] = CHANNEL  # the General channel itself, no thread
    assert (await bot.post(install)).status in (200, 202)
    [hello] = bot.fake.sent
    assert hello.conversation == CHANNEL and "**@CCPL help**" in hello.text  # a channel needs it
    async with ctx.database.transaction() as session:
        workspace = await session.scalar(
            select(Workspace.id).where(Workspace.external_id == tenant)
        )
        assert workspace is not None
        [known] = await known_channels(session, workspace_id=workspace)
    assert known.conversation_id == CHANNEL and known.name == "Forum"
    assert known.service_url == bot.fake.service_url


async def test_forget_me_erases_how_to_reach_the_person(
    bot: TeamsHarness, ctx: Context, tenant: str, user: str
) -> None:
    [asked] = await bot.say("forget-me", tenant=tenant, user=user)
    [done] = await bot.press(asked, title="Yes, erase my data", tenant=tenant, user=user)
    assert "erased" in done.text.lower() or "deleted" in done.text.lower(), done.text
    async with ctx.database.transaction() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(TeamsMember)
            .join(Member, Member.id == TeamsMember.member_id)
            .where(Member.external_id == user)
        )
    assert left == 0


async def test_a_message_delivered_twice_is_answered_once(
    bot: TeamsHarness, tenant: str, user: str
) -> None:
    activity = bot.activity(tenant=tenant, user=user, text="tip")
    for _ in range(2):
        assert (await bot.post(activity)).status in (200, 202)
    assert len(bot.fake.sent) == 1
