"""slack_sdk's installation and OAuth state stores, on the project's own async database.

slack_sdk ships SQLAlchemy stores, but synchronous ones; these implement the
async interfaces Bolt's OAuth flow and authorizer call, over `storage.installations`,
so tokens are sealed with the data key like everything else people would not
want read from a backup.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from storage import Database
from storage.installations import (
    consume_state,
    drop_bot,
    find_installation,
    issue_state,
    save_installation,
    uninstall,
)

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)  # the time a person has to approve the install

Clock = Callable[[], datetime]
Forget = Callable[[str | None, str | None], Awaitable[None]]


def _stored(installation: Installation) -> dict[str, Any]:
    """JSON for the sealed column: slack_sdk's dict with instants as seconds (whole ones for
    expiries, which slack_sdk reads back only as integers)."""
    stored = installation.to_dict()
    for key, value in stored.items():
        if isinstance(value, datetime):
            stored[key] = value.timestamp() if key == "installed_at" else int(value.timestamp())
    return stored


def _team(team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    # An org-wide install serves every workspace of its org: it is found by the org alone.
    return None if is_enterprise_install else team_id


class DatabaseInstallationStore(AsyncInstallationStore):
    """The latest installation per workspace (or per org, for org-wide installs)."""

    def __init__(self, *, database: Database, clock: Clock, forget: Forget | None = None) -> None:
        self.database = database
        self.clock = clock
        # Told of every change, so cached clients drop a replaced or revoked token.
        self.forget = forget

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _changed(self, enterprise_id: str | None, team_id: str | None) -> None:
        if self.forget is not None:
            await self.forget(enterprise_id, team_id)

    async def async_save(self, installation: Installation) -> None:
        team = _team(installation.team_id, installation.is_enterprise_install)
        async with self.database.transaction() as session:
            await save_installation(
                session,
                enterprise_id=installation.enterprise_id,
                team_id=team,
                is_enterprise_install=bool(installation.is_enterprise_install),
                data=_stored(installation),
                now=self.clock(),
            )
        # Ids only: the installation itself holds tokens.
        log.info(
            "slack installation saved: enterprise=%s team=%s",
            installation.enterprise_id or "-",
            team or "-",
        )
        await self._changed(installation.enterprise_id, team)

    async def async_save_bot(self, bot: Bot) -> None:
        """Bolt saves a rotated bot token through `async_save`; a bot alone has no installer."""
        raise NotImplementedError("installations are saved whole")

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        async with self.database.transaction() as session:
            data = await find_installation(
                session,
                enterprise_id=enterprise_id,
                team_id=_team(team_id, is_enterprise_install),
            )
        if data is None or (user_id is not None and data.get("user_id") != user_id):
            return None
        return Installation(**data)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if installation is None or installation.bot_token is None:
            return None
        return installation.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.database.transaction() as session:
            await drop_bot(session, enterprise_id=enterprise_id, team_id=team_id)
        await self._changed(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Only a bot is installed here; a person's revoked token leaves the bot working."""
        if user_id is None:
            await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.database.transaction() as session:
            await uninstall(session, enterprise_id=enterprise_id, team_id=team_id, now=self.clock())
        await self._changed(enterprise_id, team_id)


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time OAuth states, so a redirect that did not start on our install page is refused."""

    def __init__(self, *, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        async with self.database.transaction() as session:
            await issue_state(session, state=state, expires_at=self.clock() + STATE_LIFETIME)
        return state

    async def async_consume(self, state: str) -> bool:
        async with self.database.transaction() as session:
            return await consume_state(session, state=state, now=self.clock())
