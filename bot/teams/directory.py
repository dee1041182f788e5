"""Who is in a Teams channel, for the facilitation reports: its team's roster.

A standard channel has its team's members, and the Bot Connector lists those
(`pagedmembers`) with the bot's own token; private and shared channels have
rosters of their own, which would need Graph, so they are not read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.posting import PostFailed
from bot.teams.connector import Connector
from handlers import Actor, Platform
from storage import Database
from storage.conversations import remember_people, team_of, workspace_of

log = logging.getLogger(__name__)


class TeamsDirectory:
    """Lists a channel's members by their Entra object ids, leaving out the bot itself."""

    def __init__(
        self,
        *,
        database: Database,
        connector: Connector,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.connector = connector
        self.clock = clock

    async def __call__(self, actor: Actor, channel: str) -> Sequence[str] | None:
        """Every member's object id; None when the team is unknown or Teams will not say,
        so the stored list is kept."""
        async with self.database.transaction() as session:
            workspace_id = await workspace_of(
                session, platform=Platform.TEAMS, tenant=actor.workspace
            )
            team = (
                await team_of(session, workspace_id=workspace_id, conversation_id=channel)
                if workspace_id is not None
                else None
            )
        if workspace_id is None or team is None:
            return None
        try:
            accounts = await self.connector.team_members(
                service_url=team.service_url, team_id=team.team_id
            )
        except PostFailed as exc:
            log.warning("could not read a team's roster: %s", exc.reason)
            return None
        # Bots (the "28:" ids, this one included) have no object id and are not people.
        people = {
            a.aad_object_id: a.id
            for a in accounts
            if a.aad_object_id and a.id and not a.id.startswith("28:")
        }
        # Keeping each person's Teams id lets a check-in reach someone who has never
        # written to the bot.
        async with self.database.transaction() as session:
            await remember_people(
                session,
                workspace_id=workspace_id,
                people=people,
                service_url=team.service_url,
                now=self.clock(),
            )
        return list(people)
