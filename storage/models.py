"""The tables. Every row that belongs to a workspace carries `workspace_id`."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import Sealed, SealedJSON, UTCDateTime

# A fixed naming convention keeps constraint names identical on SQLite and
# PostgreSQL, so alembic can alter them and `alembic check` stays quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Tables whose ids outbox keys name (`poll:7`, `forum:3:...`, `lunch-remind:5:12:...`):
# without AUTOINCREMENT, SQLite gives the id of the newest row, once deleted, to the
# next one, whose post then meets the old key and is never sent. PostgreSQL's
# sequences never reuse an id; there this changes nothing.
NO_REUSED_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    """A Slack team, a Teams tenant or the local console: the unit of data ownership."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    """A person as seen in one workspace; holds no profile text beyond ids."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"), NO_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Nudge preferences: no scheduled DM while paused or inside quiet hours.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quiet_from: Mapped[time | None]
    quiet_until: Mapped[time | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A content-pack profession id, chosen by the person for "who isn't in the room".
    profession: Mapped[str | None] = mapped_column(String(64))
    # Consent switches: stop counting my activity; never send me a check-in.
    counting_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    checkins_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())


class TipShown(Base):
    """One tip shown to one member; `cycle` counts full passes through the tips."""

    __tablename__ = "tip_history"
    __table_args__ = (Index("ix_tip_history_member_cycle", "workspace_id", "member_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    tip_id: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int]
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """Events API deliveries already handled, so Slack's retries are answered once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("workspace_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Reflection(Base):
    """A private CPD reflection. Only its author's member row can reach it.

    Answers are stored by prompt id as JSON so templates can gain questions
    without a migration; nothing here is ever written to a log.
    """

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_owner", "workspace_id", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    template_id: Mapped[str | None] = mapped_column(String(16))
    # What people write is sealed with the data key (storage.types.Sealed).
    title: Mapped[str] = mapped_column(Sealed())
    answers: Mapped[dict[str, str]] = mapped_column(SealedJSON())
    code_themes: Mapped[list[str]] = mapped_column(JSON)
    principles: Mapped[list[int]] = mapped_column(JSON)
    cpd_minutes: Mapped[int]
    participatory: Mapped[bool]
    session: Mapped[str | None] = mapped_column(Sealed())
    shared_channel: Mapped[str | None] = mapped_column(String(64))


class CpdSettings(Base):
    """A member's own revalidation details: which regulator, when, and how the export names them.

    The name and registration number are the member's to print on their own
    export, so they are sealed like anything else people write.
    """

    __tablename__ = "cpd_settings"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    regulator: Mapped[str | None] = mapped_column(String(16))
    renewal_date: Mapped[date | None]
    full_name: Mapped[str | None] = mapped_column(Sealed())
    registration_number: Mapped[str | None] = mapped_column(Sealed())
    # Counts exports, so each file gets a name no earlier one had.
    exports: Mapped[int] = mapped_column(default=0, server_default="0")


class Schedule(Base):
    """A recurring forum, journal club or meeting in one channel.

    The database is the source of truth for time: the recurrence is stored as
    an RFC 5545 RRULE with a start date and an IANA zone, and the scheduler's
    in-memory jobs are rebuilt from these rows.
    """

    __tablename__ = "schedules"
    __table_args__ = NO_REUSED_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Sealed())
    channel: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    ground_rules: Mapped[str | None] = mapped_column(Sealed())
    # False until the facilitator has seen the next dates and confirmed them.
    confirmed: Mapped[bool]
    paused: Mapped[bool]
    # How many prompts have been planned: the next prompt in the rotation.
    prompts_planned: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who set it up, so they may pause or remove it. None for schedules made before
    # owners were kept, and after forget-me: only facilitators may change those.
    # Not `member_id`, which would make forget-me delete a meeting others rely on.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    # What a post on a bank holiday does: "none" (posts anyway), "skip" or "move"
    # (to the next working day), by the calendar of "ENG", "SCT" or "NIR".
    holiday_policy: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    holiday_region: Mapped[str] = mapped_column(String(8), default="ENG", server_default="ENG")


class LunchSession(Base):
    """A lunch-and-learn: one dated session with RSVPs, reminders and attendance."""

    __tablename__ = "lunch_sessions"
    __table_args__ = NO_REUSED_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Sealed())
    topic: Mapped[str] = mapped_column(Sealed())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    location: Mapped[str] = mapped_column(Sealed())
    host: Mapped[str] = mapped_column(Sealed())
    capacity: Mapped[int | None]
    announcement_ts: Mapped[str | None] = mapped_column(String(32))
    cancelled: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rsvp(Base):
    """One member's answer to a session; `waitlist` rows are promoted oldest first."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("lunch_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None]


class Agreement(Base):
    """What a meeting agreed, shown again before the next one. Holds no author."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    meeting_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Sealed())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """One due post to one channel or person, written once before it is sent.

    The unique `key` (e.g. `forum:42:2026-12-01T12:30:00+00:00`) is what makes
    planning idempotent: a restart, a second scheduler or a replayed window
    finds the row already there and adds nothing.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64))
    # Set for direct messages, so erasing a person also drops what was due to them.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_ref: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(200))


class SchedulerState(Base):
    """How far the scheduler has planned, so a restart catches up from there."""

    __tablename__ = "scheduler_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    planned_until: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """A facilitator action, kept for accountability; holds ids, never content."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FacilitatorGrant(Base):
    """Someone made a facilitator by another facilitator, beside the platform's admins."""

    __tablename__ = "facilitators"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # The granting person's user id; cleared when they ask to be forgotten.
    added_by: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelMember(Base):
    """Who is in a channel the bot is in; `joined_at` is None for people there before us."""

    __tablename__ = "channel_members"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelSync(Base):
    """When a channel's member list was last read from the platform; counting starts here."""

    __tablename__ = "channel_syncs"
    __table_args__ = (UniqueConstraint("workspace_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Activity(Base):
    """Counts of one member's contributions in one channel on one day. Never any text.

    The unique key doubles as the index the quiet and room reports read:
    channel, then member, then day.
    """

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "member_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    day: Mapped[date]
    messages: Mapped[int]
    replies: Mapped[int]
    reactions: Mapped[int]


class CheckIn(Base):
    """A gentle one-to-one invitation to a quiet member. Holds no answer and no link to one."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_member_sent", "workspace_id", "member_id", "sent_at"),
        NO_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    # The forum post whose thread a shared view joins, and its prompt (pack text, not personal).
    thread: Mapped[str | None] = mapped_column(String(32))
    prompt: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending until its round closes, then closed: answered or not, every invitation
    # reads alike (see storage.checkins).
    status: Mapped[str] = mapped_column(String(16))


class CheckInResponse(Base):
    """That some open invitation has had its one response, under a token keyed with the
    server's data key: a dump alone cannot tell which invitation, or whose."""

    __tablename__ = "checkin_responses"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class Poll(Base):
    """A poll in a channel. `salt` keys anonymous ballots and is erased when it closes."""

    __tablename__ = "polls"
    __table_args__ = NO_REUSED_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # The creator: erasing them erases their polls.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Sealed())
    options: Mapped[list[str]] = mapped_column(SealedJSON())
    anonymous: Mapped[bool]
    salt: Mapped[str | None] = mapped_column(String(64))
    closed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PollVote(Base):
    """One ballot. Named polls key it by member; anonymous ones by a one-way token only.

    No id sequence and no timestamp, so ballots carry no order to match
    against when people clicked.
    """

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    ballot: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    choice: Mapped[int]


class TeamsConversation(Base):
    """Where the bot may post in Teams unprompted: a channel or group chat it has seen.

    Teams only accepts a proactive post with the conversation's service URL,
    which arrives with each activity; this row keeps the latest one.
    """

    __tablename__ = "teams_conversations"
    __table_args__ = (UniqueConstraint("workspace_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # channel, groupChat
    # The channel's name in its team, offered when a forum is set up; never a person's.
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(200))
    service_url: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamsMember(Base):
    """How to reach one person in Teams: their Teams user id and 1:1 chat, once known.

    It is about the person, so `forget-me` erases it with them.
    """

    __tablename__ = "teams_members"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    user_ref: Mapped[str] = mapped_column(String(200))  # the "29:..." id the connector wants
    conversation_id: Mapped[str | None] = mapped_column(String(200))  # the personal chat
    service_url: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ForgottenPerson(Base):
    """Someone who used forget-me, as a one-way digest of their user id only.

    Channel member lists and rosters would otherwise bring them back, to be
    counted, reported as quiet and invited to check in. The digest holds no
    id to read back; it is lifted when the person uses the bot again.
    """

    __tablename__ = "forgotten_people"
    __table_args__ = (UniqueConstraint("workspace_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))


class SlackInstallation(Base):
    """A Slack workspace (or, for an org-wide install, an Enterprise Grid org) the app is
    installed in, keyed as slack_sdk keys them: enterprise id and team id, `""` for none.

    `data` is slack_sdk's installation as a dict, bot and user tokens included, sealed
    with the data key; it is NULL once the app is uninstalled, and `uninstalled_at` says
    when, so nothing more is posted there.
    """

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON())
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SlackOAuthState(Base):
    """An OAuth `state` handed to a browser on /slack/install, used once on its way back."""

    __tablename__ = "slack_oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrganisationSettings(Base):
    """An organisation's own settings, changed by its admins; unset ones take the
    deployment's defaults from the environment."""

    __tablename__ = "organisation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Days each kind of record is kept for this organisation; None: the deployment's.
    keep_participation: Mapped[int | None]
    keep_checkins: Mapped[int | None]
    keep_polls: Mapped[int | None]
    keep_audit: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdminGrant(Base):
    """Someone made an admin of this organisation in the bot, beside the platform's admins
    and CCPL_ADMINS; who did it is in the audit log."""

    __tablename__ = "organisation_admins"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrganisationContent(Base):
    """One content-pack file (`tips.yaml`, ...) an organisation layered over the shared
    pack, as its admin pasted it; checked before it is kept."""

    __tablename__ = "organisation_content"
    __table_args__ = (UniqueConstraint("workspace_id", "file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
