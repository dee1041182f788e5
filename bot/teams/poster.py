"""Posting a neutral Reply to a Teams channel or person, through stored references.

Teams lets a bot post unprompted only where it has been: a channel it was
added to, or a person it has met. Each post finds that conversation's
service URL in storage; a person's 1:1 chat is opened on first need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from microsoft_agents.activity import Activity, Attachment

from bot.posting import PostFailed
from bot.render.adaptive import CONTENT_TYPE, render_card
from bot.render.markup import channel_ids, name_channels, to_teams
from bot.teams.connector import Connector
from bot.teams.files import FileOffers
from handlers import Reply
from storage import Database
from storage.conversations import (
    channel_names,
    find_conversation,
    find_person,
    refs_of_users,
    set_channel_names,
    set_personal_chat,
    unnamed_channel_teams,
)
from storage.repositories import workspace_address

log = logging.getLogger(__name__)
NAMES_REREAD = 600.0  # seconds between reads of one team's channel list


def message_activity(
    reply: Reply, *, personal: bool = False, viewers: Sequence[str] = ()
) -> Activity:
    """Plain text for a one-line answer, a card for anything longer or with buttons.

    `personal` is a 1:1 chat, where commands are typed without an @mention.
    Teams runs a message's lines together, so text of several lines is a card too.
    """
    if not reply.sections and not reply.buttons and "\n" not in reply.text.strip():
        return Activity(
            type="message", text=to_teams(reply.text, personal=personal), text_format="markdown"
        )
    content = render_card(reply, personal=personal, viewers=viewers)
    return Activity(
        type="message",
        summary=reply.text[:200],
        attachments=[Attachment(content_type=CONTENT_TYPE, content=content)],
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Destination:
    service_url: str
    conversation_id: str


class TeamsPoster:
    """Shared by every tenant; `bound()` gives the `Poster` for one workspace."""

    def __init__(
        self, *, database: Database, connector: Connector, files: FileOffers | None = None
    ) -> None:
        self.database = database
        self.connector = connector
        # Offers wait in this process's memory, so only a process that also answers
        # /api/messages should make them (`serve`, not a separate `scheduler`).
        self.files = files
        self._tenants: dict[int, str] = {}
        self._lists_read: dict[str, float] = {}  # team id -> when its channel list was read

    async def named(self, *, workspace_id: int, reply: Reply) -> Reply:
        """The reply with its `<#channel>` references as channel names, where known."""
        texts = [reply.text] + [
            part for s in reply.sections for part in (s.heading, s.text, s.note) if part
        ]
        wanted = set().union(*(channel_ids(t) for t in texts))
        if not wanted:
            return reply
        await self.learn_names(workspace_id=workspace_id, conversation_ids=wanted)
        async with self.database.transaction() as session:
            names = await channel_names(session, workspace_id=workspace_id, conversation_ids=wanted)

        def named(text: str | None) -> str | None:
            return name_channels(text, names=names) if text else text

        return replace(
            reply,
            text=name_channels(reply.text, names=names),
            sections=tuple(
                replace(
                    s,
                    heading=named(s.heading),
                    text=name_channels(s.text, names=names),
                    note=named(s.note),
                )
                for s in reply.sections
            ),
        )

    async def learn_names(self, *, workspace_id: int, conversation_ids: Collection[str]) -> None:
        """Read the channel names Teams did not send with activities (the General
        channel has none) from each team's channel list: at most once per team in
        ten minutes, so a channel that stays unnamed costs no call per message."""
        async with self.database.transaction() as session:
            teams = await unnamed_channel_teams(
                session, workspace_id=workspace_id, conversation_ids=conversation_ids
            )
        now = time.monotonic()
        for team in teams:
            if now - self._lists_read.get(team.team_id, -NAMES_REREAD) < NAMES_REREAD:
                continue
            self._lists_read[team.team_id] = now
            try:
                names = await self.connector.channel_list(
                    service_url=team.service_url, team_id=team.team_id
                )
            except PostFailed as exc:
                log.info("could not read a team's channel list: %s", exc.reason)
                continue
            async with self.database.transaction() as session:
                await set_channel_names(session, workspace_id=workspace_id, names=names)

    async def viewers(self, *, workspace_id: int, reply: Reply) -> list[str]:
        """The Teams ids of the people who see their own view of a shared post."""
        if reply.view is None or not reply.viewers:
            return []
        async with self.database.transaction() as session:
            return await refs_of_users(session, workspace_id=workspace_id, users=reply.viewers)

    async def activity(self, *, workspace_id: int, reply: Reply, personal: bool) -> Activity:
        """The reply as Teams shows it here: channels named, and a shared post's viewers."""
        named = await self.named(workspace_id=workspace_id, reply=reply)
        viewers = await self.viewers(workspace_id=workspace_id, reply=reply)
        return message_activity(named, personal=personal, viewers=viewers)

    def bound(self, *, workspace_id: int) -> BoundTeamsPoster:
        return BoundTeamsPoster(owner=self, workspace_id=workspace_id)

    async def _tenant(self, workspace_id: int) -> str:
        tenant = self._tenants.get(workspace_id)
        if tenant is None:
            async with self.database.transaction() as session:
                row = await workspace_address(session, workspace_id=workspace_id)
            if row is None:
                raise PostFailed("workspace gone", permanent=True)
            tenant = self._tenants[workspace_id] = row.external_id
        return tenant

    async def person(self, *, workspace_id: int, user: str) -> Destination:
        """A member's 1:1 chat, opened now if the bot has not written to them before."""
        async with self.database.transaction() as session:
            found = await find_person(session, workspace_id=workspace_id, user=user)
        if found is None:
            raise PostFailed("this person has not met the bot in Teams", permanent=True)
        if found.conversation_id:
            return Destination(service_url=found.service_url, conversation_id=found.conversation_id)
        chat = await self.connector.open_personal_chat(
            service_url=found.service_url,
            tenant_id=await self._tenant(workspace_id),
            user_ref=found.user_ref,
        )
        async with self.database.transaction() as session:
            await set_personal_chat(
                session, workspace_id=workspace_id, member_id=found.member_id, conversation_id=chat
            )
        return Destination(service_url=found.service_url, conversation_id=chat)

    async def channel(self, *, workspace_id: int, conversation_id: str) -> Destination:
        async with self.database.transaction() as session:
            found = await find_conversation(
                session, workspace_id=workspace_id, conversation_id=conversation_id
            )
        if found is None:
            raise PostFailed("the bot has not been added to this conversation", permanent=True)
        return Destination(service_url=found.service_url, conversation_id=conversation_id)


class BoundTeamsPoster:
    """The `Poster` the outbox sender uses for one Teams workspace."""

    def __init__(self, *, owner: TeamsPoster, workspace_id: int) -> None:
        self.owner = owner
        self.workspace_id = workspace_id

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        owner = self.owner
        where = (
            await owner.person(workspace_id=self.workspace_id, user=target)
            if direct
            else await owner.channel(workspace_id=self.workspace_id, conversation_id=target)
        )
        activity = await owner.activity(
            workspace_id=self.workspace_id, reply=reply, personal=direct
        )
        if update:
            await owner.connector.update(
                service_url=where.service_url,
                conversation_id=where.conversation_id,
                activity_id=update,
                activity=activity,
            )
            return update
        # Bots cannot pin in Teams, so `pin` is not honoured.
        conversation = where.conversation_id
        if thread and not direct:
            # A reply in a channel thread goes to the thread's own conversation id.
            conversation = f"{conversation};messageid={thread}"
        sent = await owner.connector.send(
            service_url=where.service_url, conversation_id=conversation, activity=activity
        )
        if reply.attachments:
            await self._offer_files(where, reply, member=target if direct else None)
        return sent

    async def _offer_files(self, where: Destination, reply: Reply, *, member: str | None) -> None:
        """Files go to a person by the consent flow; a channel gets none (Teams would
        need Graph permissions to put a file in a channel's SharePoint folder)."""
        files = self.owner.files
        if member is None or files is None:
            log.info(
                "%d file(s) not sent: Teams takes files only in a personal chat",
                len(reply.attachments),
            )
            return
        offers = [files.offer(attachment=a, member=member) for a in reply.attachments]
        try:
            await self.owner.connector.send(
                service_url=where.service_url,
                conversation_id=where.conversation_id,
                activity=Activity.model_validate({"type": "message", "attachments": offers}),
            )
        except PostFailed as exc:
            # The message itself is out; failing now would make the outbox send it twice.
            log.warning("posted, but the file offer failed: %s", exc.reason)
