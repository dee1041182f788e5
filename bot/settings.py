"""Settings from the environment (and an optional .env), checked once at start-up.

A bad setting stops the process with one line that names it, rather than a
stack trace minutes later.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from storage.crypto import BadKey, DataKey
from storage.database import BadDatabaseUrl, connect_options, normalise_url
from storage.retention import Retention

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


WHERE_TO_FIND = {
    "SLACK_BOT_TOKEN": " (Slack app > OAuth & Permissions > Bot User OAuth Token)",
    "SLACK_SIGNING_SECRET": " (Slack app > Basic Information > Signing Secret)",
    "SLACK_APP_TOKEN": " (Slack app > Basic Information > App-Level Tokens)",
    "MICROSOFT_APP_ID": " (Azure Bot > Configuration > Microsoft App ID)",
    "MICROSOFT_APP_PASSWORD": " (the app registration's client secret, Certificates & secrets)",
}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Only these words, in any case: "yes" or "on" were once quietly read as on, and a switch
# that opens an endpoint to anyone must not turn on by a guess.
_YES = {"1", "true"}
_NO = {"0", "false"}


_HOST = re.compile(r"[A-Za-z0-9.:%_-]{1,253}")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


LOG_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


class SettingsError(ValueError):
    """One setting is missing or malformed; the message names it."""


def _token(value: str, *, name: str, prefix: str) -> str:
    if not value.startswith(prefix):
        raise SettingsError(
            f"{name} should start with {prefix!r}; check you copied the right token"
        )
    return value


def _switch(value: str, *, name: str) -> bool:
    word = value.lower()
    if word not in _YES | _NO:
        raise SettingsError(f"{name} must be 1 or 0, got {word!r}")
    return word in _YES


def _user_ids(raw: str, *, name: str) -> frozenset[str]:
    ids = frozenset(p.strip() for p in raw.split(",") if p.strip())
    bad = sorted(p for p in ids if not re.fullmatch(r"[A-Za-z0-9:_.@-]{2,64}", p))
    if bad:
        raise SettingsError(f"{name} should be user ids separated by commas; {bad[0]!r} is not one")
    return ids


def _parse_key(value: str, *, name: str) -> DataKey:
    try:
        return DataKey.from_text(value)
    except BadKey as exc:
        raise SettingsError(f"{name} is not a data key: {exc}") from None


class Settings(BaseSettings):
    """Every setting, typed; build it with `load_settings`, which names a bad one in one line.

    Each field reads the environment variable named in its alias. The validators
    parse only strings (what the environment and .env give); a value passed
    already typed is checked by its type alone.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        # Exactly the documented names: PORT, never port or Port.
        case_sensitive=True,
        # No validate_by_name: with it, the environment source would also read lower-case
        # variables named after the fields (port=..., slack_bot_token=...).
        extra="forbid",
        # Comma lists, not JSON: CCPL_ADMINS=U012,U034 must not be fed to json.loads.
        enable_decoding=False,
        # Tokens and passwords never appear in a ValidationError's text.
        hide_input_in_errors=True,
        env_file=".env",
        env_file_encoding="utf-8",
    )

    # Declared in the order they were always checked, so that with several bad settings
    # the one named is the same as before; pydantic reports fields in this order.
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    database_url: str = Field(
        default="sqlite+aiosqlite:///ccpl.db", validation_alias="DATABASE_URL"
    )
    timezone: ZoneInfo = Field(default=ZoneInfo("Europe/London"), validation_alias="CCPL_TIMEZONE")
    content_dir: Path | None = Field(default=None, validation_alias="CCPL_CONTENT_DIR")
    port: int = Field(default=3000, validation_alias="PORT")
    facilitators: frozenset[str] = Field(default=frozenset(), validation_alias="CCPL_FACILITATORS")
    # Admins read the audit log, and are facilitators too, on any platform.
    admins: frozenset[str] = Field(default=frozenset(), validation_alias="CCPL_ADMINS")
    catch_up_grace: timedelta = Field(
        default=timedelta(hours=6), validation_alias="CCPL_CATCHUP_GRACE_HOURS"
    )
    microsoft_app_id: str | None = Field(default=None, validation_alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(
        default=None, validation_alias="MICROSOFT_APP_PASSWORD"
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, validation_alias="MICROSOFT_APP_TENANT_ID"
    )
    # Local development only (Agents Playground, Bot Framework Emulator): no JWT check.
    teams_anonymous: bool = Field(default=False, validation_alias="CCPL_TEAMS_ANONYMOUS")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    # The key that seals what people write; checked here, required by `bot.runtime`.
    data_key: DataKey | None = Field(default=None, validation_alias="CCPL_DATA_KEY")
    # Keys being rotated away from: they still open values until `keys rotate` is done.
    old_data_keys: tuple[DataKey, ...] = Field(default=(), validation_alias="CCPL_OLD_DATA_KEY")
    # Unset: INFO for the processes, WARNING for one-off tools.
    log_level: int | None = Field(default=None, validation_alias="CCPL_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="CCPL_LOG_FORMAT")
    # Where `serve` listens; unset: every interface, or loopback alone in anonymous Teams mode.
    host: str | None = Field(default=None, validation_alias="CCPL_HOST")
    # When set, /metrics answers only `Authorization: Bearer <this>`.
    metrics_token: str | None = Field(default=None, validation_alias="CCPL_METRICS_TOKEN")
    # Days each record is kept (storage/retention.py); reflections until their author deletes.
    keep_participation: int = Field(default=365, validation_alias="CCPL_KEEP_PARTICIPATION_DAYS")
    keep_audit: int = Field(default=730, validation_alias="CCPL_KEEP_AUDIT_DAYS")
    keep_outbox: int = Field(default=90, validation_alias="CCPL_KEEP_OUTBOX_DAYS")
    keep_checkins: int = Field(default=365, validation_alias="CCPL_KEEP_CHECKINS_DAYS")
    keep_polls: int = Field(default=365, validation_alias="CCPL_KEEP_POLLS_DAYS")
    keep_event_ids: int = Field(default=7, validation_alias="CCPL_KEEP_EVENT_IDS_DAYS")
    # Public distribution (OAuth): Bolt's names. Used when SLACK_BOT_TOKEN is not set.
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_scopes: tuple[str, ...] | None = Field(default=None, validation_alias="SLACK_SCOPES")
    slack_redirect_uri: str | None = Field(default=None, validation_alias="SLACK_REDIRECT_URI")
    # Teams tenants served (GUIDs, comma-separated); empty serves every tenant that adds the app.
    teams_tenants: frozenset[str] = Field(
        default=frozenset(), validation_alias="CCPL_TEAMS_TENANTS"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        # .env.example ships blank lines like SLACK_BOT_TOKEN=, and a blank real variable
        # still overrides .env: either way the default applies, after trimming spaces.
        if not isinstance(data, dict):
            return data
        trimmed = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in trimmed.items() if v != ""}

    @field_validator("slack_bot_token", mode="before")
    @classmethod
    def _bot_token(cls, value: Any) -> Any:
        return (
            _token(value, name="SLACK_BOT_TOKEN", prefix="xoxb-")
            if isinstance(value, str)
            else value
        )

    @field_validator("slack_app_token", mode="before")
    @classmethod
    def _app_token(cls, value: Any) -> Any:
        return (
            _token(value, name="SLACK_APP_TOKEN", prefix="xapp-")
            if isinstance(value, str)
            else value
        )

    @field_validator("data_key", mode="before")
    @classmethod
    def _data_key(cls, value: Any) -> Any:
        return _parse_key(value, name="CCPL_DATA_KEY") if isinstance(value, str) else value

    @field_validator("old_data_keys", mode="before")
    @classmethod
    def _old_data_keys(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return tuple(_parse_key(p, name="CCPL_OLD_DATA_KEY") for p in value.split(",") if p.strip())

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            connect_options(value)
        except BadDatabaseUrl as exc:
            raise SettingsError(str(exc)) from None
        except Exception as exc:  # sqlalchemy raises several types for a bad URL
            raise SettingsError(f"DATABASE_URL is not a usable database URL: {exc}") from None
        return value

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"CCPL_TIMEZONE {value!r} is not an IANA time zone (e.g. Europe/London)"
            ) from None

    @field_validator("content_dir", mode="before")
    @classmethod
    def _content_dir(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not Path(value).is_dir():
            raise SettingsError(f"CCPL_CONTENT_DIR {value!r} is not a directory")
        return Path(value)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise SettingsError(f"PORT must be a number from 1 to 65535, got {value!r}")
        return int(value)

    @field_validator("facilitators", mode="before")
    @classmethod
    def _facilitators(cls, value: Any) -> Any:
        return _user_ids(value, name="CCPL_FACILITATORS") if isinstance(value, str) else value

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> Any:
        return _user_ids(value, name="CCPL_ADMINS") if isinstance(value, str) else value

    @field_validator("catch_up_grace", mode="before")
    @classmethod
    def _catch_up_grace(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            grace = timedelta(hours=float(value))
        except ValueError:
            raise SettingsError(
                f"CCPL_CATCHUP_GRACE_HOURS must be a number of hours, got {value!r}"
            ) from None
        except OverflowError:  # "inf" or "1e400": a number, just far out of range
            raise SettingsError("CCPL_CATCHUP_GRACE_HOURS must be from 0 to 168") from None
        if not timedelta(0) <= grace <= timedelta(days=7):
            raise SettingsError("CCPL_CATCHUP_GRACE_HOURS must be from 0 to 168")
        return grace

    @field_validator("microsoft_app_id", mode="before")
    @classmethod
    def _app_id(cls, value: Any) -> Any:
        if isinstance(value, str) and not _GUID.fullmatch(value):
            raise SettingsError(
                "MICROSOFT_APP_ID should be a GUID like 00000000-0000-0000-0000-000000000000"
            )
        return value

    @field_validator("microsoft_app_tenant_id", mode="before")
    @classmethod
    def _tenant_id(cls, value: Any) -> Any:
        if isinstance(value, str) and not _GUID.fullmatch(value):
            raise SettingsError("MICROSOFT_APP_TENANT_ID should be your Entra tenant's GUID")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.upper() not in LOG_LEVELS:
            raise SettingsError(
                f"CCPL_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {value!r}"
            )
        return LOG_LEVELS[value.upper()]

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() not in ("text", "json"):
            raise SettingsError(f"CCPL_LOG_FORMAT must be text or json, got {value!r}")
        return value.lower() if isinstance(value, str) else value

    @field_validator("teams_anonymous", mode="before")
    @classmethod
    def _anonymous_word(cls, value: Any) -> Any:
        # Ours, not pydantic's bool, which would also take "t", "y", "on" and the like.
        return _switch(value, name="CCPL_TEAMS_ANONYMOUS") if isinstance(value, str) else value

    @field_validator("teams_anonymous")
    @classmethod
    def _anonymous_alone(cls, value: bool, info: ValidationInfo) -> bool:
        # A field check rather than a model one, so that it still speaks up when only
        # SLACK_APP_TOKEN, declared after it, is also wrong.
        if value and info.data.get("microsoft_app_id") is not None:
            raise SettingsError(
                "CCPL_TEAMS_ANONYMOUS is for local development without MICROSOFT_APP_ID; "
                "with an app id every request is authenticated, so unset one of them"
            )
        return value

    @field_validator("host", mode="before")
    @classmethod
    def _host(cls, value: Any) -> Any:
        if isinstance(value, str) and not _HOST.fullmatch(value):
            raise SettingsError(
                f"CCPL_HOST should be an address to listen on, like 0.0.0.0 or ::, got {value!r}"
            )
        return value

    @field_validator("host")
    @classmethod
    def _host_loopback_when_anonymous(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("teams_anonymous") and not _is_loopback(value):
            raise SettingsError(
                "CCPL_TEAMS_ANONYMOUS takes unauthenticated requests, so CCPL_HOST must be "
                "a loopback address such as 127.0.0.1"
            )
        return value

    @field_validator(
        "keep_participation",
        "keep_audit",
        "keep_outbox",
        "keep_checkins",
        "keep_polls",
        "keep_event_ids",
        mode="before",
    )
    @classmethod
    def _days_kept(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        name = f"CCPL_{(info.field_name or '').upper()}_DAYS"
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 3650:
            raise SettingsError(f"{name} must be a whole number of days from 1 to 3650")
        return int(value)

    @property
    def retention(self) -> Retention:
        return Retention(
            participation=self.keep_participation,
            audit=self.keep_audit,
            outbox=self.keep_outbox,
            checkins=self.keep_checkins,
            polls=self.keep_polls,
            event_ids=self.keep_event_ids,
        )

    @field_validator("slack_client_id")
    @classmethod
    def _one_slack_mode(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Bolt itself turns on OAuth when it sees SLACK_CLIENT_ID in the environment, so a
        # token beside it would not mean "one workspace" for long.
        if value is not None and info.data.get("slack_bot_token") is not None:
            raise SettingsError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: keep the token to serve one "
                "workspace, or the client id and secret to let many install the app"
            )
        return value

    @field_validator("teams_tenants", mode="before")
    @classmethod
    def _teams_tenants(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        tenants = frozenset(p.strip().lower() for p in value.split(",") if p.strip())
        bad = sorted(p for p in tenants if not _GUID.fullmatch(p))
        if bad:
            raise SettingsError(
                "CCPL_TEAMS_TENANTS should be tenant GUIDs separated by commas; "
                f"{bad[0]!r} is not one"
            )
        return tenants

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _scopes(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        scopes = tuple(p.strip() for p in value.split(",") if p.strip())
        bad = [p for p in scopes if not re.fullmatch(r"[a-z_]+(:[a-z_.]+)*", p)]
        if bad:
            raise SettingsError(
                f"SLACK_SCOPES should be scopes separated by commas; {bad[0]!r} is not one"
            )
        return scopes

    @field_validator("slack_redirect_uri", mode="before")
    @classmethod
    def _redirect_uri(cls, value: Any) -> Any:
        if isinstance(value, str) and urlparse(value).scheme not in ("http", "https"):
            raise SettingsError(f"SLACK_REDIRECT_URI must be an http(s) URL, got {value!r}")
        return value

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces, each installing the app: client id and secret, and no one token."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def has_slack(self) -> bool:
        return self.slack_bot_token is not None or self.slack_oauth

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
        slack = "oauth" if self.slack_oauth else "configured" if self.has_slack else "off"
        return (
            f"Settings(slack={slack}, teams={teams}, "
            f"database={normalise_url(self.database_url).get_backend_name()}, "
            f"timezone={self.timezone.key}, port={self.port})"
        )

    def __str__(self) -> str:
        # pydantic's str() lists every field, tokens included; logs use str().
        return repr(self)


class _Environ(EnvSettingsSource):
    """The environment source reading a given mapping, so callers and tests need not patch
    os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], *, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return dict(self._environ)


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, SettingsError):
        return str(cause)
    # Not one of our checks; every field has one, so this is a safety net: still name the
    # variable, without its value, which may be a secret.
    name = first["loc"][0] if first["loc"] else "a setting"
    return f"{name} is not valid: {first['msg']}"


def load_settings(
    *, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings: real environment variables win over the .env file."""
    sources: tuple[PydanticBaseSettingsSource, ...] = (
        _Environ(Settings, environ=os.environ if environ is None else environ),
        # Only our own names: a .env shared with other tools may hold anything else.
        DotEnvSettingsSource(Settings, env_file=env_file, dotenv_filtering="only_existing"),
    )
    try:
        return Settings(_build_sources=(sources, {}))
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
