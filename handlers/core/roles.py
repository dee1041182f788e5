"""Who may do what: facilitator actions are checked here and written to the audit log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import NotAllowed
from handlers.core.model import Actor, Platform
from storage import Scope
from storage.audit import record_audit
from storage.facilitators import is_granted
from storage.organisations import is_named_admin

FACILITATOR = "facilitator"
ADMIN = "admin"


async def is_facilitator(*, ctx: Context, actor: Actor) -> bool:
    """Platform admins and configured facilitators, or someone granted the role (or
    named an admin) here."""
    roles = await ctx.resolve_roles(actor)
    if FACILITATOR in roles or ADMIN in roles:
        return True
    async with ctx.acting(actor) as (session, scope):
        return await is_granted(session, scope=scope) or await is_named_admin(session, scope=scope)


async def is_admin(*, ctx: Context, actor: Actor) -> bool:
    """Platform admins and CCPL_ADMINS, or someone this organisation named an admin."""
    if ADMIN in await ctx.resolve_roles(actor):
        return True
    async with ctx.acting(actor) as (session, scope):
        return await is_named_admin(session, scope=scope)


async def require_facilitator(*, ctx: Context, actor: Actor, what: str) -> None:
    """Refuse kindly, naming the command, when the actor is not a facilitator."""
    if not await is_facilitator(ctx=ctx, actor=actor):
        raise NotAllowed(
            f"`{what}` is for facilitators of this network. If you would like to run a "
            f"forum or session, ask a facilitator or {admins(actor, one=True)} to add you."
        )


async def require_admin(*, ctx: Context, actor: Actor, what: str, why: str) -> None:
    """Refuse kindly, naming the command and what it is for, when not an admin."""
    if not await is_admin(ctx=ctx, actor=actor):
        reason = f": {why}" if why else ""
        raise NotAllowed(f"`{what}` is for {admins(actor)}{reason}.")


def admins(actor: Actor, *, one: bool = False) -> str:
    """Who runs the workspace, in the platform's own words: Teams has team owners and
    tenant admins, not Slack's workspace admins."""
    if actor.platform is Platform.TEAMS:
        return "a team owner or an admin" if one else "team owners and admins"
    return "a workspace admin" if one else "workspace admins"


def audit(
    session: AsyncSession, *, ctx: Context, actor: Actor, scope: Scope, action: str, detail: str
) -> None:
    """Record a facilitator action in the same transaction as the action itself."""
    record_audit(
        session, scope=scope, actor=actor.user, action=action, detail=detail, now=ctx.clock()
    )
