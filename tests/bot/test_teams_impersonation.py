"""Who may speak for a person in Teams: tokens as Microsoft issues them, and replies only to
Teams' own service hosts.

The issue's attack: an app registration in our tenant asks Entra for a token whose
audience is our app id (any app in the tenant can), then posts an activity naming
another person's object id and a service URL of its choosing. Before the fix the bot
answered with that person's data, with its own connector token, at that address, and
kept the address for later posts.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from microsoft_agents.activity import Activity
from sqlalchemy import select

from bot.posting import PostFailed
from bot.teams.connector import Connector, StaticToken
from bot.teams.service_urls import ServiceUrls
from handlers import Context
from storage.models import Member, TeamsConversation, TeamsMember, Workspace
from tests.bot.teams_harness import APP_ID, TeamsHarness, running_teams, sign
from tests.fakes.teams_connector import FakeConnector

TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
ENTRA_V2 = f"https://login.microsoftonline.com/{TENANT}/v2.0"
ENTRA_V1 = f"https://sts.windows.net/{TENANT}/"
CHANNEL = "19:forum0001@thread.tacv2"


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[TeamsHarness]:
    # A single-tenant bot: Entra tokens from its own tenant are considered at all.
    async with running_teams(ctx=ctx, environ={"MICROSOFT_APP_TENANT_ID": TENANT}) as harness:
        yield harness


async def _stored(ctx: Context) -> list[tuple[Any, ...]]:
    """Everything the bot keeps about where people and conversations are."""
    async with ctx.database.transaction() as session:
        rows: list[tuple[Any, ...]] = []
        for model in (Workspace, Member, TeamsMember, TeamsConversation):
            found = await session.execute(select(model))
            rows += [
                (model.__tablename__, *(getattr(r, c.key) for c in model.__table__.columns))
                for r in found.scalars()
            ]
        return sorted(rows, key=repr)


async def test_a_token_another_app_in_the_tenant_obtained_is_refused_before_any_work(
    bot: TeamsHarness, ctx: Context
) -> None:
    victim = str(uuid.uuid4())
    assert await bot.say("tip", tenant=TENANT, user=victim)  # the victim has met the bot
    before, sent = await _stored(ctx), len(bot.fake.sent)
    async with FakeConnector(token="") as attacker:
        activity = bot.activity(tenant=TENANT, user=victim, text="my-data")
        activity["serviceUrl"] = attacker.service_url
        other_app = str(uuid.uuid4())
        tokens = {
            "v2, another app": sign(service_url=None, issuer=ENTRA_V2, azp=other_app, ver="2.0"),
            "v1, another app": sign(service_url=None, issuer=ENTRA_V1, appid=other_app, ver="1.0"),
            "v2, no app named": sign(service_url=None, issuer=ENTRA_V2, ver="2.0"),
            "v2, with a service URL claim": sign(
                service_url=attacker.service_url, issuer=ENTRA_V2, azp=other_app, ver="2.0"
            ),
        }
        for why, token in tokens.items():
            answer = await bot.post(activity, authorization=f"Bearer {token}")
            assert answer.status == 401, why
        assert attacker.sent == [] and attacker.created == []
    assert len(bot.fake.sent) == sent and bot.fake.created == []
    assert await _stored(ctx) == before  # the attacker's address was not kept


async def test_an_entra_token_for_the_emulator_signed_in_as_our_app_is_still_accepted(
    bot: TeamsHarness,
) -> None:
    """The Emulator signs in with the bot's own app id; refusing every Entra token
    would have been an easier, wrong fix."""
    activity = bot.activity(tenant=TENANT, user=str(uuid.uuid4()), text="tip")
    token = sign(service_url=None, issuer=ENTRA_V2, azp=APP_ID, ver="2.0")
    answer = await bot.post(activity, authorization=f"Bearer {token}")
    assert answer.status in (200, 202)
    assert bot.fake.sent


async def test_a_bot_framework_token_without_a_service_url_claim_is_refused(
    bot: TeamsHarness, ctx: Context
) -> None:
    before = await _stored(ctx)
    activity = bot.activity(tenant=TENANT, user=str(uuid.uuid4()), text="tip")
    answer = await bot.post(activity, authorization="Bearer " + sign(service_url=None))
    assert answer.status == 401
    assert bot.fake.sent == [] and await _stored(ctx) == before


@pytest.mark.parametrize(
    "service_url",
    [
        "https://evil.example/uk/",
        "https://smba.trafficmanager.net.evil.example/uk/",
        "https://smba.trafficmanager.net@evil.example/uk/",
        "http://smba.trafficmanager.net/uk/",
    ],
)
async def test_a_service_url_off_the_allow_list_is_refused_and_never_kept(
    bot: TeamsHarness, ctx: Context, service_url: str
) -> None:
    """Even with a token that names it: replies carry the bot's own connector token."""
    before = await _stored(ctx)
    install = bot.activity(
        tenant=TENANT, user=str(uuid.uuid4()), channel=CHANNEL, kind="installationUpdate"
    )
    install |= {"action": "add", "serviceUrl": service_url}
    answer = await bot.post(install, authorization="Bearer " + sign(service_url=service_url))
    assert answer.status == 401
    assert bot.fake.sent == [] and await _stored(ctx) == before


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/uk/", True),
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://smba.trafficmanager.net/teams/", True),
        ("https://SMBA.trafficmanager.net/emea/", True),
        ("https://webchat.botframework.com/", True),
        ("https://smba.trafficmanager.net:8443/uk/", False),
        ("https://botframework.com.evil.example/", False),
        ("https://evilbotframework.com/", False),
        ("https://smba.trafficmanager.net/uk/@evil", True),  # a path, not another host
        ("http://127.0.0.1:3978/", False),
        ("https://localhost/", False),
        ("", False),
        ("smba.trafficmanager.net/uk/", False),
    ],
)
def test_production_posts_only_to_teams_hosts(url: str, allowed: bool) -> None:
    assert ServiceUrls().allows(url) is allowed


def test_local_development_posts_only_to_loopback() -> None:
    local = ServiceUrls.local()
    assert local.allows("http://127.0.0.1:3978/") and local.allows("http://localhost:56150/")
    assert local.allows("http://[::1]:3978/")
    assert not local.allows("https://smba.trafficmanager.net/uk/")
    assert not local.allows("http://127.0.0.1.evil.example/")


async def test_the_connector_will_not_post_to_a_stored_address_off_the_list() -> None:
    """Defence in depth: an address kept before this check existed is not used."""
    connector = Connector(tokens=StaticToken("secret-token"), app_id=APP_ID)
    try:
        with pytest.raises(PostFailed) as refused:
            await connector.send(
                service_url="https://evil.example/uk/",
                conversation_id="a:1",
                activity=Activity(type="message", text="hello"),
            )
        assert refused.value.permanent
    finally:
        await connector.close()


async def test_anonymous_mode_takes_only_loopback_service_urls(ctx: Context) -> None:
    async with running_teams(
        ctx=ctx, environ={"MICROSOFT_APP_ID": "", "CCPL_TEAMS_ANONYMOUS": "1"}
    ) as bot:
        before = await _stored(ctx)
        activity = bot.activity(tenant=TENANT, user=str(uuid.uuid4()), text="tip")
        activity["serviceUrl"] = "https://smba.trafficmanager.net/uk/"
        answer = await bot.post(activity, authorization=None)
        assert answer.status == 401
        assert await _stored(ctx) == before
        activity["serviceUrl"] = bot.fake.service_url
        assert (await bot.post(activity, authorization=None)).status in (200, 202)
