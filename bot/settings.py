"""Settings from the environment (and an optional .env), checked once at start-up.

A bad setting stops the process with one line that names it, rather than a
stack trace minutes later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from storage.database import normalise_url

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


WHERE_TO_FIND = {
    "SLACK_BOT_TOKEN": " (Slack app > OAuth & Permissions > Bot User OAuth Token)",
    "SLACK_SIGNING_SECRET": " (Slack app > Basic Information > Signing Secret)",
    "SLACK_APP_TOKEN": " (Slack app > Basic Information > App-Level Tokens)",
    "MICROSOFT_APP_ID": " (Azure Bot > Configuration > Microsoft App ID)",
    "MICROSOFT_APP_PASSWORD": " (the app registration's client secret, Certificates & secrets)",
}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """One setting is missing or malformed; the message names it."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    database_url: str
    timezone: ZoneInfo
    content_dir: Path | None
    port: int
    facilitators: frozenset[str] = frozenset()
    # Admins read the audit log, and are facilitators too, on any platform.
    admins: frozenset[str] = frozenset()
    catch_up_grace: timedelta = timedelta(hours=6)
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    # Local development only (Agents Playground, Bot Framework Emulator): no JWT check.
    teams_anonymous: bool = False

    @property
    def has_slack(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def has_teams(self) -> bool:
        return self.microsoft_app_id is not None or self.teams_anonymous

    def require(self, *names: str) -> None:
        """Stop with a line naming the first setting a command needs but lacks."""
        for name in names:
            if getattr(self, name.lower()) is None:
                hint = WHERE_TO_FIND.get(name, "")
                raise SettingsError(f"{name} is required for this command{hint}")

    def __repr__(self) -> str:
        # Never let a token reach a log through an accidental repr.
        teams = (
            "configured"
            if self.microsoft_app_id
            else "anonymous"
            if self.teams_anonymous
            else "off"
        )
        return (
            f"Settings(slack={'configured' if self.has_slack else 'off'}, teams={teams}, "
            f"database={normalise_url(self.database_url).get_backend_name()}, "
            f"timezone={self.timezone.key}, port={self.port})"
        )


def _optional(env: Mapping[str, str | None], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    return value or None


def _token(env: Mapping[str, str | None], name: str, prefix: str) -> str | None:
    value = _optional(env, name)
    if value is not None and not value.startswith(prefix):
        raise SettingsError(
            f"{name} should start with {prefix!r}; check you copied the right token"
        )
    return value


def _user_ids(env: Mapping[str, str | None], name: str) -> frozenset[str]:
    raw = _optional(env, name) or ""
    ids = frozenset(p.strip() for p in raw.split(",") if p.strip())
    bad = sorted(p for p in ids if not re.fullmatch(r"[A-Za-z0-9:_.@-]{2,64}", p))
    if bad:
        raise SettingsError(f"{name} should be user ids separated by commas; {bad[0]!r} is not one")
    return ids


def load_settings(
    *, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings: real environment variables win over the .env file."""
    env: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        env.update(dotenv_values(env_file))
    env.update(os.environ if environ is None else environ)

    bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-")
    signing_secret = _optional(env, "SLACK_SIGNING_SECRET")

    api_url = _optional(env, "SLACK_API_URL") or DEFAULT_SLACK_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = _optional(env, "DATABASE_URL") or "sqlite+aiosqlite:///ccpl.db"
    try:
        normalise_url(database_url)
    except Exception as exc:  # sqlalchemy raises several types for a bad URL
        raise SettingsError(f"DATABASE_URL is not a usable database URL: {exc}") from None

    zone_name = _optional(env, "CCPL_TIMEZONE") or "Europe/London"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"CCPL_TIMEZONE {zone_name!r} is not an IANA time zone (e.g. Europe/London)"
        ) from None

    content_raw = _optional(env, "CCPL_CONTENT_DIR")
    content_dir = Path(content_raw) if content_raw else None
    if content_dir is not None and not content_dir.is_dir():
        raise SettingsError(f"CCPL_CONTENT_DIR {content_raw!r} is not a directory")

    port_raw = _optional(env, "PORT") or "3000"
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, got {port_raw!r}")

    facilitators = _user_ids(env, "CCPL_FACILITATORS")
    admins = _user_ids(env, "CCPL_ADMINS")
    grace_raw = _optional(env, "CCPL_CATCHUP_GRACE_HOURS") or "6"
    try:
        grace = timedelta(hours=float(grace_raw))
    except ValueError:
        raise SettingsError(
            f"CCPL_CATCHUP_GRACE_HOURS must be a number of hours, got {grace_raw!r}"
        ) from None
    if not timedelta(0) <= grace <= timedelta(days=7):
        raise SettingsError("CCPL_CATCHUP_GRACE_HOURS must be from 0 to 168")

    app_id = _optional(env, "MICROSOFT_APP_ID")
    if app_id is not None and not _GUID.fullmatch(app_id):
        raise SettingsError(
            "MICROSOFT_APP_ID should be a GUID like 00000000-0000-0000-0000-000000000000"
        )
    tenant_id = _optional(env, "MICROSOFT_APP_TENANT_ID")
    if tenant_id is not None and not _GUID.fullmatch(tenant_id):
        raise SettingsError("MICROSOFT_APP_TENANT_ID should be your Entra tenant's GUID")
    anonymous_raw = (_optional(env, "CCPL_TEAMS_ANONYMOUS") or "0").lower()
    if anonymous_raw not in _YES | _NO:
        raise SettingsError(f"CCPL_TEAMS_ANONYMOUS must be 1 or 0, got {anonymous_raw!r}")
    anonymous = anonymous_raw in _YES
    if anonymous and app_id is not None:
        raise SettingsError(
            "CCPL_TEAMS_ANONYMOUS is for local development without MICROSOFT_APP_ID; "
            "with an app id every request is authenticated, so unset one of them"
        )

    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=api_url,
        database_url=database_url,
        timezone=zone,
        content_dir=content_dir,
        port=int(port_raw),
        facilitators=facilitators,
        admins=admins,
        catch_up_grace=grace,
        microsoft_app_id=app_id,
        microsoft_app_password=_optional(env, "MICROSOFT_APP_PASSWORD"),
        microsoft_app_tenant_id=tenant_id,
        teams_anonymous=anonymous,
    )
