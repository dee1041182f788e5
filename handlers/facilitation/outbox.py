"""The facilitation posts the outbox sends: check-in invitations, queued when a
facilitator sends them, and the monthly digest, planned for each facilitator."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.outbox import Due, OutboxKind, Outgoing, Window, composes, plans
from handlers.facilitation.checkins import compose_invitation
from handlers.facilitation.digest import compose_digest, digest_key, digest_moments
from storage.facilitators import digest_recipients
from storage.outbox import OutboxRow
from storage.schedules import active_schedules


@composes(OutboxKind.CHECKIN)
async def compose_checkin(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    invited = await compose_invitation(
        ctx=ctx, workspace_id=row.workspace_id, checkin_id=int(row.payload["checkin_id"])
    )
    return Outgoing(reply=invited) if invited else None


@composes(OutboxKind.DIGEST)
async def compose_monthly_digest(*, ctx: Context, row: OutboxRow) -> Outgoing | None:
    digest = await compose_digest(ctx=ctx, row=row)
    return Outgoing(reply=digest) if digest is not None else None


@plans(order=20)
async def plan_digests(session: AsyncSession, *, ctx: Context, window: Window) -> list[Due]:
    """The monthly digest to each facilitator of a workspace with a forum or meeting.

    No query at all unless the first of a month at 09:00 falls in the window,
    then one per such workspace, so the per-minute plan stays as fast as before.
    """
    moments = digest_moments(zone=ctx.timezone, since=window.since, until=window.until)
    if not moments:
        return []
    found: list[Due] = []
    for workspace_id in sorted({s.workspace_id for s in await active_schedules(session)}):
        recipients = await digest_recipients(session, workspace_id=workspace_id, now=window.now)
        for at in moments:
            month = f"{at.astimezone(ctx.timezone):%Y-%m}"
            found += [
                Due(
                    key=digest_key(workspace_id=workspace_id, month=month, member_id=member_id),
                    kind=OutboxKind.DIGEST,
                    workspace_id=workspace_id,
                    target=user,
                    due_at=at,
                    member_id=member_id,
                    payload={"month": month},
                )
                for member_id, user in recipients
            ]
    return found
