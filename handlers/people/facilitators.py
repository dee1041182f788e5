"""`/ccpl facilitators add|remove|list` and the admins' view of the audit log."""

from __future__ import annotations

import re
from collections.abc import Mapping

from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.model import Actor, Button, FieldValue, Reply, Section
from handlers.core.payloads import ID
from handlers.core.registry import Role, action, command
from handlers.core.roles import audit
from storage import ensure_scope
from storage.audit import FORGOTTEN, recent_audit
from storage.facilitators import grant, granted, revoke

# A Slack mention (<@U123|ann>) or id, or a Teams user's Entra object id (a GUID): the
# Teams adapter turns each @mention into one.
_USER = re.compile(
    r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$|^@?([A-Z][A-Z0-9]{6,}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})$"
)
AUDIT_PAGE = 20
AUDIT_MORE = "audit.more"

USAGE = (
    "Use `/ccpl facilitators add @name`, `/ccpl facilitators remove @name` "
    "or `/ccpl facilitators list`."
)


def mentioned_users(args: tuple[str, ...]) -> list[str]:
    """User ids from mentions (`<@U123|ann>`) or bare ids; anything else is refused."""
    users = []
    for word in args:
        found = _USER.match(word)
        if not found:
            raise Invalid(
                f"I couldn't tell who “{word}” is. Mention them, e.g. `@ann` "
                "(in Teams, pick them from the list @ opens, or give their Entra object id)."
            )
        users.append(found.group(1) or found.group(2))
    return users


@command(
    name="facilitators",
    aliases=("facilitator",),
    usage="facilitators add|remove|list",
    summary="who can run forums and check-ins (facilitators)",
    role=Role.FACILITATOR,
    order=190,
)
async def facilitators(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Facilitators grant the role to others here, beside the platform's admins."""
    verb = args[0].lower() if args else "list"
    if verb == "list":
        return await _listing(ctx=ctx, actor=actor)
    if verb not in ("add", "remove"):
        raise Invalid(USAGE)
    users = mentioned_users(args[1:])
    if not users:
        raise Invalid(USAGE)
    now = ctx.clock()
    changed: list[str] = []
    async with ctx.acting(actor) as (session, scope):
        for user in users:
            target = await ensure_scope(
                session, platform=actor.platform, workspace=actor.workspace, user=user, now=now
            )
            if verb == "add":
                done = await grant(session, scope=target, by=actor.user, now=now)
            else:
                done = await revoke(session, scope=target)
            if done:
                changed.append(user)
                audit(
                    session,
                    ctx=ctx,
                    actor=actor,
                    scope=scope,
                    action=f"facilitators.{verb}",
                    detail=user,
                )
    names = ", ".join(f"<@{u}>" for u in users)
    if not changed:
        already = "already facilitators" if verb == "add" else "not facilitators added here"
        return Reply(text=f"No change: {names} were {already}.", mentions=tuple(users))
    done_names = ", ".join(f"<@{u}>" for u in changed)
    if verb == "add":
        return Reply(
            text=f"{done_names} can now run forums, sessions and check-ins.",
            mentions=tuple(changed),
        )
    return Reply(
        text=f"{done_names} are no longer facilitators here. Workspace admins and people "
        "listed in the bot's settings stay facilitators.",
        mentions=tuple(changed),
    )


async def _listing(*, ctx: Context, actor: Actor) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        rows = await granted(session, scope=scope)
    always = (
        "Workspace admins and owners, and anyone listed in the bot's settings, "
        "are always facilitators."
    )
    if not rows:
        return Reply(
            text="No one has been added as a facilitator here yet.",
            sections=(
                Section(text="No one has been added as a facilitator here yet.", note=always),
            ),
        )
    lines = "\n".join(
        f"• <@{r.user}>, added by {f'<@{r.added_by}>' if r.added_by else 'a forgotten person'} "
        f"on {r.added_at.astimezone(ctx.timezone):%-d %b %Y}"
        for r in rows
    )
    return Reply(
        text=f"{len(rows)} facilitator(s) added here.",
        sections=(Section(heading="Facilitators added here", text=lines, note=always),),
        mentions=tuple({u for r in rows for u in (r.user, r.added_by) if u}),
    )


@command(
    name="audit",
    usage="audit",
    summary="what facilitators have done (admins)",
    role=Role.ADMIN,
    why="it shows what facilitators have done",
    order=200,
)
async def audit_log(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Admins only: every facilitator action, newest first, with who did it."""
    return await _audit_page(ctx=ctx, actor=actor, before=None)


@action(
    AUDIT_MORE,
    codec=ID,
    role=Role.ADMIN,
    what="/ccpl audit",
    why="it shows what facilitators have done",
)
async def audit_more(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    """ "Older entries": the page of the log before the entry the button names."""
    return await _audit_page(ctx=ctx, actor=actor, before=payload)


def _who(user: str) -> str:
    """A user id as a mention; someone who asked to be forgotten as plain words."""
    return user if user == FORGOTTEN else f"<@{user}>"


async def _audit_page(*, ctx: Context, actor: Actor, before: int | None) -> Reply:
    # The dispatcher has already refused anyone who is not an admin, for both ways in.
    async with ctx.acting(actor) as (session, scope):
        entries = await recent_audit(session, scope=scope, limit=AUDIT_PAGE + 1, before=before)
    if not entries:
        return Reply(text="The audit log is empty: no facilitator actions yet.")
    shown = entries[:AUDIT_PAGE]
    lines = "\n".join(
        f"• {e.at.astimezone(ctx.timezone):%-d %b %Y %H:%M} {_who(e.actor)} `{e.action}` {e.detail}"
        for e in shown
    )
    buttons: tuple[Button, ...] = ()
    if len(entries) > AUDIT_PAGE:
        buttons = (
            Button(action_id=AUDIT_MORE, label="Older entries", value=ID.encode(shown[-1].id)),
        )
    return Reply(
        text=f"The last {len(shown)} facilitator actions.",
        sections=(Section(heading="Audit log", text=lines, buttons=buttons),),
        mentions=tuple({e.actor for e in shown if e.actor != FORGOTTEN}),
    )
