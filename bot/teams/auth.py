"""Who may post to /api/messages: requests signed by the Bot Connector for our app id.

The check is ours rather than the SDK's middleware so that it fails closed
before any network call: a token that is not RS256, or names an issuer we do
not trust, is refused on sight. Only a plausible token makes us look up the
signing key, and that look-up has a short timeout. Signing keys come from a
`KeySource`, which tests replace with keys of their own.

An audience of our app id is not enough for a token Entra issued in our tenant:
any app registration there can obtain one. Such a token must also have been
issued to an application we name (`azp` in v2 tokens, `appid` in v1). A Bot
Framework token must name the service URL it was issued for, so nobody can
point the bot's replies elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import jwt
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_KEYS = "https://login.botframework.com/v1/.well-known/keys"
# Clock skew the Bot Framework allows between its token service and us.
LEEWAY_SECONDS = 300
KEY_TIMEOUT_SECONDS = 5
KEY_CACHE_SECONDS = 24 * 3600
SERVICE_URL_CLAIM = "serviceurl"
# Entra v2 tokens name the application they were issued to in `azp`, v1 tokens in `appid`
# (Microsoft identity platform, "Access token claims reference").
AUTHORIZED_PARTY_CLAIMS = ("azp", "appid")
# Applications whose Entra-issued tokens we accept besides our own app id, which is what
# the Bot Framework Emulator signs in as (Bot Framework docs, "Authentication with the Bot
# Connector API", section "Authenticate requests from the Bot Framework Emulator": the
# token's appid/azp must be the bot's own app id). The Teams channel itself sends tokens
# from the Bot Framework issuer, checked by `serviceurl` instead. Left empty on purpose:
# add a Microsoft channel's application id here only with the page that documents it.
MICROSOFT_CHANNEL_APPS: frozenset[str] = frozenset()


GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Unauthorized(Exception):
    """The request is not from the Bot Connector for this app; answered with 401."""


class KeySource(Protocol):
    async def signing_key(self, *, jwks_uri: str, kid: str) -> Any:
        """The public key with this id, or raise Unauthorized."""
        ...  # pragma: no cover


@dataclass
class RemoteKeys:
    """Keys from the issuer's published key set, cached for a day as Microsoft advises."""

    timeout: float = KEY_TIMEOUT_SECONDS
    _clients: dict[str, tuple[float, jwt.PyJWKClient]] = field(default_factory=dict)

    async def signing_key(self, *, jwks_uri: str, kid: str) -> Any:
        cached = self._clients.get(jwks_uri)
        if cached is None or time.monotonic() - cached[0] > KEY_CACHE_SECONDS:
            cached = (time.monotonic(), jwt.PyJWKClient(jwks_uri, timeout=int(self.timeout)))
            self._clients[jwks_uri] = cached
        client = cached[1]
        try:
            found = await asyncio.wait_for(
                asyncio.to_thread(client.get_signing_key, kid), timeout=self.timeout + 1
            )
        except (jwt.PyJWTError, TimeoutError, OSError) as exc:
            log.warning("could not get the Bot Connector's signing key: %s", type(exc).__name__)
            raise Unauthorized("signing key unavailable") from None
        return found.key


def _entra_issuers(tenant: str) -> dict[str, str]:
    """A tenant's Entra issuers (v2 and v1) and the key set both sign with."""
    keys = f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"
    return {
        f"https://login.microsoftonline.com/{tenant}/v2.0": keys,
        f"https://sts.windows.net/{tenant}/": keys,
    }


@dataclass(frozen=True, kw_only=True)
class TeamsAuth:
    """Validates the bearer token on each request from Teams.

    Accepted issuers: the Bot Framework's, and Entra's for our own tenant when
    `tenant_id` is set (single-tenant bots receive Entra-issued tokens). With no
    tenant id the app is multi-tenant: an Entra token is checked against the issuer
    and keys of the tenant it names (`tid`), so its issuer must be that tenant's.
    `tenants`, when not empty, is the allow-list of tenants served at all.
    """

    app_id: str
    tenant_id: str | None = None
    tenants: frozenset[str] = frozenset()
    keys: KeySource = field(default_factory=RemoteKeys)

    def _issuers(self, unverified: dict[str, Any]) -> dict[str, str]:
        found = {BOT_FRAMEWORK_ISSUER: BOT_FRAMEWORK_KEYS}
        tenant = self.tenant_id or unverified.get("tid")
        if isinstance(tenant, str) and GUID.fullmatch(tenant) and self.serves(tenant):
            found |= _entra_issuers(tenant.lower())
        return found

    def serves(self, tenant: str | None) -> bool:
        """Whether requests from this tenant are taken (CCPL_TEAMS_TENANTS)."""
        return not self.tenants or (tenant or "").lower() in self.tenants

    async def identify(self, authorization: str | None) -> ClaimsIdentity:
        """The caller's verified claims; raise Unauthorized for anything else."""
        if not authorization:
            raise Unauthorized("no Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("not a bearer token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized("not a JWT") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("not signed the way the Bot Connector signs")
        issuer = unverified.get("iss")
        jwks_uri = self._issuers(unverified).get(issuer) if isinstance(issuer, str) else None
        if jwks_uri is None:
            raise Unauthorized("untrusted issuer")
        key = await self.keys.signing_key(jwks_uri=jwks_uri, kid=header["kid"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(type(exc).__name__) from None
        if issuer != BOT_FRAMEWORK_ISSUER:
            self._check_party(claims)
        return ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)

    def _check_party(self, claims: dict[str, Any]) -> None:
        """An Entra token must have been issued to the Emulator (signed in as us) or a
        Microsoft channel we name; the audience alone is any app in the tenant's to ask for."""
        party = next((claims[c] for c in AUTHORIZED_PARTY_CLAIMS if claims.get(c)), None)
        if party != self.app_id and party not in MICROSOFT_CHANNEL_APPS:
            raise Unauthorized("issued to an application we do not trust")


def tenant_matches(identity: ClaimsIdentity, tenant: str | None) -> bool:
    """An Entra token speaks for its own tenant only: the activity must come from it.
    (A Bot Framework token names no tenant; its service URL was checked instead.)"""
    claimed = (identity.claims or {}).get("tid")
    if (identity.claims or {}).get("iss") == BOT_FRAMEWORK_ISSUER or claimed is None:
        return True
    return isinstance(tenant, str) and str(claimed).lower() == tenant.lower()


def service_url_matches(identity: ClaimsIdentity, service_url: str | None) -> bool:
    """A Bot Framework token names the service URL it was issued for; replies go there,
    so an activity pointing elsewhere, or a token naming none, is refused."""
    claims = identity.claims or {}
    if claims.get("iss") != BOT_FRAMEWORK_ISSUER:
        # Entra tokens carry no service URL; their application was checked instead.
        return True
    claimed = claims.get(SERVICE_URL_CLAIM)
    if not isinstance(claimed, str) or not claimed or not service_url:
        return False
    return claimed.rstrip("/") == str(service_url).rstrip("/")
