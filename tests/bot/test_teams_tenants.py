"""Teams for many organisations: a multi-tenant app registration (no tenant id set), each
tenant its own workspace, Entra tokens checked against their own tenant, and
CCPL_TEAMS_TENANTS limiting which tenants are served."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.settings import SettingsError, load_settings
from handlers import Context
from tests.bot.teams_harness import APP_ID, SigningKeys, TeamsHarness, running_teams, sign

TENANT_A = "aaaaaaaa-1111-4111-8111-111111111111"
TENANT_B = "bbbbbbbb-2222-4222-8222-222222222222"
NOTE = "The discharge huddle worked better at 10 than at 9"


class RecordingKeys(SigningKeys):
    """The test's signing key, noting which key set each look-up asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    async def signing_key(self, *, jwks_uri: str, kid: str) -> Any:
        self.asked.append(jwks_uri)
        return await super().signing_key(jwks_uri=jwks_uri, kid=kid)


def entra(tenant: str, *, issuer_tenant: str | None = None) -> str:
    """A v2 Entra token for our app, from `tenant` (its issuer may name another)."""
    issuer = f"https://login.microsoftonline.com/{issuer_tenant or tenant}/v2.0"
    return "Bearer " + sign(service_url=None, issuer=issuer, azp=APP_ID, tid=tenant, ver="2.0")


@pytest.fixture
async def keys() -> RecordingKeys:
    return RecordingKeys()


@pytest.fixture
async def bot(ctx: Context, keys: RecordingKeys) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx, keys=keys) as harness:  # no MICROSOFT_APP_TENANT_ID
        yield harness


def shown(sent: list[Any]) -> str:
    return json.dumps([s.activity for s in sent])


async def test_each_tenant_is_its_own_workspace(bot: TeamsHarness) -> None:
    person = str(uuid.uuid4())  # the same object id, as a guest in both tenants
    saved = await bot.say(f"reflect {NOTE}", tenant=TENANT_A, user=person)
    assert "quick note" in shown(saved)
    assert "discharge huddle" in shown(await bot.say("reflections", tenant=TENANT_A, user=person))
    elsewhere = await bot.say("reflections", tenant=TENANT_B, user=person)
    assert elsewhere and "discharge huddle" not in shown(elsewhere)


async def test_an_entra_token_is_checked_against_its_own_tenant(
    bot: TeamsHarness, keys: RecordingKeys
) -> None:
    activity = bot.activity(tenant=TENANT_A, user=str(uuid.uuid4()), text="tip")
    accepted = await bot.post(activity, authorization=entra(TENANT_A))
    assert accepted.status in (200, 202)
    assert keys.asked == [f"https://login.microsoftonline.com/{TENANT_A}/discovery/v2.0/keys"]

    sent = len(bot.fake.sent)
    # An issuer naming another tenant than the token's; a token used for another tenant.
    forged = await bot.post(activity, authorization=entra(TENANT_A, issuer_tenant=TENANT_B))
    other = bot.activity(tenant=TENANT_B, user=str(uuid.uuid4()), text="tip")
    borrowed = await bot.post(other, authorization=entra(TENANT_A))
    assert (forged.status, borrowed.status) == (401, 401)
    assert len(bot.fake.sent) == sent


async def test_only_the_tenants_listed_are_served(ctx: Context) -> None:
    environ = {"CCPL_TEAMS_TENANTS": f" {TENANT_A.upper()} "}
    async with running_teams(ctx=ctx, environ=environ) as bot:
        assert await bot.say("tip", tenant=TENANT_A, user=str(uuid.uuid4()))
        refused = await bot.post(bot.activity(tenant=TENANT_B, user=str(uuid.uuid4()), text="tip"))
        assert refused.status == 401
        entra_b = bot.activity(tenant=TENANT_B, user=str(uuid.uuid4()), text="tip")
        assert (await bot.post(entra_b, authorization=entra(TENANT_B))).status == 401
        assert all(TENANT_B not in json.dumps(s.activity) for s in bot.fake.sent)


def test_the_tenant_list_takes_only_tenant_ids() -> None:
    with pytest.raises(SettingsError, match="CCPL_TEAMS_TENANTS"):
        load_settings(environ={"CCPL_TEAMS_TENANTS": f"{TENANT_A},contoso"}, env_file=None)
