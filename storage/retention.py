"""How long each kind of record is kept, and the deletion that enforces it.

Reflections are not here: they are kept until their author deletes them
(`forget-me` included). Everything else the bot records about activity has a
stated life, enforced daily by the elected scheduler across all workspaces:
the deployment's periods (CCPL_KEEP_*_DAYS), or those an organisation set for
its own rows. The deletes touch no content and report counts only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select

from storage.database import Database
from storage.models import (
    Activity,
    AuditEntry,
    CheckIn,
    OrganisationSettings,
    OutboxMessage,
    Poll,
    ProcessedEvent,
)

_Row = Activity | AuditEntry | CheckIn | OutboxMessage | Poll | ProcessedEvent

# Rows the sender has finished with; pending and in-flight rows are never deleted.
_DONE = ("sent", "skipped", "failed")


@dataclass(frozen=True, kw_only=True, slots=True)
class Retention:
    """Days each record is kept (the defaults are also the documented ones)."""

    participation: int = 365  # per-person counts of messages, replies, reactions per day
    audit: int = 730  # facilitator actions
    outbox: int = 90  # posts sent, skipped or given up on
    checkins: int = 365  # closed check-in invitations
    polls: int = 365  # closed polls and their ballots, from when they were asked
    event_ids: int = 7  # ids of platform events already handled, to drop retries

    def with_own(self, own: Mapping[str, int]) -> Retention:
        """These periods, with those an organisation set for itself in their place."""
        return replace(self, **{k: v for k, v in own.items() if k in OWN_KINDS})

    def summary(self, *, own: Collection[str] | None = None) -> str:
        """The periods an organisation's admins can set, in one line; given `own`, each is
        marked as set by the organisation or as the deployment's."""
        return "; ".join(
            f"{_OWN_LABELS[kind]} {_days(getattr(self, kind))}"
            + ("" if own is None else " (set here)" if kind in own else " (the deployment's)")
            for kind in OWN_KINDS
        )

    def lines(self) -> list[str]:
        """The policy in words, for `/ccpl privacy`."""
        return [
            f"Your participation counts: {_days(self.participation)}.",
            f"Check-in invitations, once closed: {_days(self.checkins)}.",
            f"Closed polls and their ballots: {_days(self.polls)} after they were asked.",
            f"The log of facilitator actions: {_days(self.audit)}.",
            f"Scheduled posts, once sent: {_days(self.outbox)}.",
            f"Ids of chat events already handled: {_days(self.event_ids)}.",
            "Your reflections: until you delete them (`forget-me` deletes everything).",
        ]


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


# Each organisation may set these for its own rows with `/ccpl settings retention`. Posts
# sent and event ids handled stay deployment-wide: they hold no one's activity, only
# the bot's own bookkeeping, and the operator sizes them to the deployment's load.
OWN_KINDS = ("participation", "checkins", "polls", "audit")
FEWEST_DAYS, MOST_DAYS = 1, 3650
_OWN_LABELS = {
    "participation": "participation counts",
    "checkins": "closed check-ins",
    "polls": "closed polls",
    "audit": "audit entries",
}
# Rows deleted per statement, each batch in its own transaction: a year of a large
# organisation's counts never holds a lock, or the leader's connection, for long.
BATCH = 1000


def _before(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _expired(kind: str, *, days: int, now: datetime) -> tuple[type[_Row], ColumnElement[bool]]:
    """The table of a kind, and what makes one of its rows outlive `days`."""
    cutoff = _before(now, days)
    match kind:
        case "participation":
            return Activity, Activity.day < cutoff.date()
        case "audit":
            return AuditEntry, AuditEntry.at < cutoff
        case "outbox":
            return OutboxMessage, OutboxMessage.status.in_(_DONE) & (OutboxMessage.due_at < cutoff)
        case "checkins":
            return CheckIn, (CheckIn.status != "pending") & (CheckIn.sent_at < cutoff)
        case "polls":
            return Poll, Poll.closed & (Poll.created_at < cutoff)
        case _:  # "event_ids"
            return ProcessedEvent, ProcessedEvent.received_at < cutoff


async def _delete_in_batches(
    database: Database, *, model: type[_Row], where: ColumnElement[bool], batch: int
) -> int:
    removed = 0
    while True:
        chosen = select(model.id).where(where).limit(batch).scalar_subquery()
        async with database.transaction() as session:
            result = await session.execute(
                delete(model)
                .where(model.id.in_(chosen))
                .execution_options(synchronize_session=False)
            )
        done = int(getattr(result, "rowcount", 0) or 0)
        removed += done
        if done < batch:
            return removed


async def _own_periods(database: Database, *, kind: str) -> list[int]:
    """The periods organisations set for themselves for a kind, each once."""
    column = getattr(OrganisationSettings, f"keep_{kind}")
    async with database.transaction() as session:
        return list(await session.scalars(select(column).where(column.is_not(None)).distinct()))


async def _enforce_kind(
    database: Database, *, kind: str, policy: Retention, now: datetime, batch: int
) -> int:
    model, deployment_wide = _expired(kind, days=getattr(policy, kind), now=now)
    if kind not in OWN_KINDS:
        return await _delete_in_batches(database, model=model, where=deployment_wide, batch=batch)
    # Sub-selects rather than lists of workspace ids, so no list outgrows a statement's
    # parameters however many organisations set their own.
    column = getattr(OrganisationSettings, f"keep_{kind}")
    setting_own = select(OrganisationSettings.workspace_id).where(column.is_not(None))
    removed = await _delete_in_batches(
        database,
        model=model,
        where=deployment_wide & model.workspace_id.not_in(setting_own),
        batch=batch,
    )
    for days in await _own_periods(database, kind=kind):
        _, expired = _expired(kind, days=days, now=now)
        chose = select(OrganisationSettings.workspace_id).where(column == days)
        removed += await _delete_in_batches(
            database, model=model, where=expired & model.workspace_id.in_(chose), batch=batch
        )
    return removed


async def enforce(
    database: Database, *, policy: Retention, now: datetime, batch: int = BATCH
) -> dict[str, int]:
    """Delete what has outlived its retention, each organisation's rows by its own periods
    where it set them; how many rows of each kind went."""
    return {
        kind: await _enforce_kind(database, kind=kind, policy=policy, now=now, batch=batch)
        for kind in KINDS
    }


KINDS = tuple(f.name for f in fields(Retention))
