"""Who may do what: facilitator actions are checked here and written to the audit log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context
from handlers.errors import NotAllowed
from handlers.model import Actor
from storage import Scope
from storage.audit import record_audit

FACILITATOR = "facilitator"
ADMIN = "admin"


async def require_facilitator(*, ctx: Context, actor: Actor, what: str) -> None:
    """Refuse kindly, naming the command, when the actor is not a facilitator."""
    roles = await ctx.resolve_roles(actor)
    if FACILITATOR not in roles and ADMIN not in roles:
        raise NotAllowed(
            f"`{what}` is for facilitators of this network. If you would like to run a "
            "forum or session, ask a facilitator or a workspace admin to add you."
        )


def audit(
    session: AsyncSession, *, ctx: Context, actor: Actor, scope: Scope, action: str, detail: str
) -> None:
    """Record a facilitator action in the same transaction as the action itself."""
    record_audit(
        session, scope=scope, actor=actor.user, action=action, detail=detail, now=ctx.clock()
    )
