"""Where the bot may send Bot Connector calls: Teams' own service hosts, or loopback.

Every call carries the bot's connector token, and an activity's `serviceUrl` is
where replies go and what is kept for later posts; so an address outside
Microsoft's hosts is refused on the way in and never called on the way out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# Microsoft's documented Teams service URLs: "https://smba.trafficmanager.net/{region}/"
# for the commercial cloud (regions such as amer, emea, apac, uk, in, teams), and the
# government clouds' hosts. Source: Microsoft Learn, "Send proactive messages" (Teams) and
# "Bot Framework REST API reference: base URI" (learn.microsoft.com/azure/bot-service/rest-api/
# bot-framework-rest-connector-api-reference). Confirm against the current docs when
# Microsoft adds a cloud.
TEAMS_SERVICE_HOSTS = frozenset(
    {
        "smba.trafficmanager.net",
        "smba.infra.gcc.teams.microsoft.com",
        "smba.infra.gov.teams.microsoft.us",
        "smba.infra.dod.teams.microsoft.us",
    }
)
# The Bot Framework's own channels' connectors (webchat.botframework.com and the like),
# documented in the same REST reference.
BOT_FRAMEWORK_DOMAIN = ".botframework.com"
LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_microsoft(host: str) -> bool:
    return host in TEAMS_SERVICE_HOSTS or host.endswith(BOT_FRAMEWORK_DOMAIN)


@dataclass(frozen=True, kw_only=True)
class ServiceUrls:
    """Which service URLs are acceptable: Microsoft's (production), loopback (local
    development with the Agents Playground or the Emulator), or both (tests only)."""

    microsoft: bool = True
    loopback: bool = False

    @classmethod
    def local(cls) -> ServiceUrls:
        """Anonymous mode: only this machine, so nothing leaves it unauthenticated."""
        return cls(microsoft=False, loopback=True)

    def allows(self, url: str | None) -> bool:
        """Whether the bot may call this service URL with its connector token."""
        if not url:
            return False
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if not host or parts.username is not None or parts.password is not None:
            return False
        if self.loopback and parts.scheme in ("http", "https") and _is_loopback(host):
            return True
        # Microsoft's hosts speak https on the default port; anything else is not them.
        return self.microsoft and parts.scheme == "https" and port is None and _is_microsoft(host)
