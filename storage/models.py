"""The tables. Every row that belongs to a workspace carries `workspace_id`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# A fixed naming convention keeps constraint names identical on SQLite and
# PostgreSQL, so alembic can alter them and `alembic check` stays quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    title: Mapped[str] = mapped_column(String(200))
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    code_themes: Mapped[list[str]] = mapped_column(JSON)
    principles: Mapped[list[int]] = mapped_column(JSON)
    cpd_minutes: Mapped[int]
    participatory: Mapped[bool]
    session: Mapped[str | None] = mapped_column(String(200))
    shared_channel: Mapped[str | None] = mapped_column(String(64))
