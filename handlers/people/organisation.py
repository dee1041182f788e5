"""`/ccpl settings`: an organisation's own time zone, retention periods, admins and content,
set by its admins.

Each workspace (a Slack team, a Teams tenant) is an organisation. Its admins
change its settings here, each change written to its audit log; nothing one
organisation sets reaches another. Unset settings take the deployment's
environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from content import FILE_NAMES, ContentPack
from content.loader import overlay_from_texts
from content.problems import ContentError
from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.forms import Submission, validate
from handlers.core.model import Actor, Field, FieldKind, FieldValue, Form, Option, Reply, Section
from handlers.core.organisation import forget_organisation, shared_pack, zone_named
from handlers.core.payloads import NONE
from handlers.core.registry import Role, action, command
from handlers.core.roles import audit
from handlers.core.text import typed
from handlers.people.facilitators import mentioned_users
from storage import ensure_scope
from storage.facilitators import granted
from storage.organisations import (
    content_files,
    name_admin,
    named_admins,
    own_retention,
    save_content_file,
    set_retention,
    set_timezone,
    unname_admin,
)
from storage.retention import FEWEST_DAYS, MOST_DAYS, OWN_KINDS

SAVE_RETENTION = "settings.retention"
KEPT = {
    "participation": "Participation counts",
    "checkins": "Check-in invitations, once closed",
    "polls": "Closed polls and their ballots",
    "audit": "The log of facilitator actions",
}

SAVE_CONTENT = "settings.content"
# Slack's longest text input; a longer file is layered in parts (ids replace, new ones add).
MOST_YAML = 3000
PROBLEMS_SHOWN = 5

USAGE = (
    "Use `/ccpl settings` to see this organisation's settings, "
    "`/ccpl settings timezone Europe/London` (or `timezone default`), "
    "`/ccpl settings retention` for how long this organisation's records are kept, or "
    "`/ccpl settings admins add @name` / `remove @name`, or `/ccpl settings content` "
    "to layer your own content files over the shared pack."
)


@command(
    name="settings",
    usage="settings [timezone <zone>|retention|admins add|remove @name|content]",
    summary="this organisation's own time zone, retention, admins and content (workspace admins)",
    role=Role.ADMIN,
    why="they change how the bot works for everyone in this organisation",
    order=205,
)
async def settings(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Show the settings, or change one and say what changed."""
    what = args[0].lower() if args else "show"
    if what == "show":
        return await settings_reply(ctx=ctx, actor=actor)
    if what in ("timezone", "time-zone", "tz") and len(args) == 2:
        return await _timezone(ctx=ctx, actor=actor, name=args[1])
    if what == "content" and len(args) == 1:
        return Reply(text="Opening the content form", form=content_form())
    if what == "retention" and len(args) == 1:
        return await _open_retention(ctx=ctx, actor=actor)
    if what == "admins" and len(args) >= 3 and args[1].lower() in ("add", "remove"):
        return await _admins(ctx=ctx, actor=actor, verb=args[1].lower(), args=args[2:])
    raise Invalid(USAGE)


async def settings_reply(*, ctx: Context, actor: Actor) -> Reply:
    """What this organisation has set, and where the rest comes from."""
    async with ctx.acting(actor) as (session, scope):
        admins = await named_admins(session, workspace_id=scope.workspace_id)
        facilitators = [g.user for g in await granted(session, scope=scope)]
        own_files = sorted(await content_files(session, workspace_id=scope.workspace_id))
        own = await own_retention(session, workspace_id=scope.workspace_id)
    people = [*admins, *facilitators]
    lines = [
        f"**Time zone:** {ctx.timezone.key}",
        "**Kept:** " + ctx.retention.summary(own=own),
        "**Admins named here:** "
        + (", ".join(f"<@{u}>" for u in admins) or "none")
        + " (besides workspace admins and the deployment's own list)",
        "**Facilitators added here:** "
        + (", ".join(f"<@{u}>" for u in facilitators) or "none")
        + " (`/ccpl facilitators add @name`)",
        "**Own content:** " + (", ".join(own_files) or "none; the shared pack as it is"),
    ]
    return Reply(
        text="This organisation's settings",
        sections=(
            Section(
                heading="This organisation's settings",
                text="\n".join(lines),
                note="Only this organisation's admins can change these; each change is in "
                "`/ccpl audit`. " + USAGE,
            ),
        ),
        mentions=tuple(people),
    )


async def _timezone(*, ctx: Context, actor: Actor, name: str) -> Reply:
    chosen = None if name.lower() == "default" else zone_named(name)
    if chosen is None and name.lower() != "default":
        raise Invalid(
            f"{typed(name)} is not a time zone I know. Use a name such as Europe/London "
            "or Europe/Dublin, or `default` for the deployment's own."
        )
    async with ctx.acting(actor) as (session, scope):
        await set_timezone(
            session,
            workspace_id=scope.workspace_id,
            timezone=chosen.key if chosen else None,
            now=ctx.clock(),
        )
        audit(
            session,
            ctx=ctx,
            actor=actor,
            scope=scope,
            action="settings.timezone",
            detail=chosen.key if chosen else "default",
        )
    forget_organisation(actor=actor, workspace_id=scope.workspace_id)
    if chosen is None:
        return Reply(text="This organisation now uses the deployment's time zone.")
    return Reply(text=f"Dates and times for this organisation are now in {chosen.key}.")


async def _open_retention(*, ctx: Context, actor: Actor) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        own = await own_retention(session, workspace_id=scope.workspace_id)
    return Reply(text="Opening the retention form", form=retention_form(ctx=ctx, own=own))


def retention_form(*, ctx: Context, own: Mapping[str, int]) -> Form:
    """A whole number of days per kind; an empty field keeps the deployment's default."""
    return Form(
        form_id=SAVE_RETENTION,
        title="How long records are kept",
        intro="For this organisation only. Leave a field empty for the deployment's default. "
        "Records older than this are deleted each day; reflections are kept until their "
        "author deletes them.",
        fields=tuple(
            Field(
                id=kind,
                label=f"{KEPT[kind]} (days)",
                kind=FieldKind.NUMBER,
                initial=str(own[kind]) if kind in own else "",
                hint=f"Empty: the deployment's {getattr(ctx.deployment_retention, kind)} days.",
                min_value=FEWEST_DAYS,
                max_value=MOST_DAYS,
                invalid_message=f"Enter a whole number of days from {FEWEST_DAYS} to "
                f"{MOST_DAYS:,}, or leave it empty for the deployment's default.",
            )
            for kind in OWN_KINDS
        ),
    )


@action(SAVE_RETENTION, codec=NONE, role=Role.ADMIN, what="Saving how long records are kept")
async def save_retention(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """Keep the periods and say what is now in force; every bad field is named at once."""
    form = retention_form(ctx=ctx, own={})
    days = _chosen_days(validate(form=form, values=values, today=ctx.clock().date()))
    async with ctx.acting(actor) as (session, scope):
        await set_retention(session, workspace_id=scope.workspace_id, days=days, now=ctx.clock())
        detail = ", ".join(f"{k}={days[k] or 'default'}" for k in OWN_KINDS)
        audit(session, ctx=ctx, actor=actor, scope=scope, action=SAVE_RETENTION, detail=detail)
    forget_organisation(actor=actor, workspace_id=scope.workspace_id)
    own = {k: d for k, d in days.items() if d is not None}
    now_kept = ctx.deployment_retention.with_own(own)
    return Reply(
        text="Saved. This organisation's records are now kept: " + now_kept.summary(own=own) + "."
    )


def _chosen_days(submission: Submission) -> dict[str, int | None]:
    return {
        kind: int(submission.text(kind)) if submission.text(kind) else None for kind in OWN_KINDS
    }


async def _admins(*, ctx: Context, actor: Actor, verb: str, args: tuple[str, ...]) -> Reply:
    users = mentioned_users(args)
    if not users:
        raise Invalid(USAGE)
    now = ctx.clock()
    changed: list[str] = []
    async with ctx.acting(actor) as (session, scope):
        for user in users:
            target = await ensure_scope(
                session, platform=actor.platform, workspace=actor.workspace, user=user, now=now
            )
            done = (
                await name_admin(session, scope=target, now=now)
                if verb == "add"
                else await unname_admin(session, scope=target)
            )
            if done:
                changed.append(user)
                audit(
                    session,
                    ctx=ctx,
                    actor=actor,
                    scope=scope,
                    action=f"settings.admins.{verb}",
                    detail=user,
                )
    names = ", ".join(f"<@{u}>" for u in changed or users)
    if not changed:
        return Reply(text=f"No change for {names}.", mentions=tuple(users))
    if verb == "add":
        return Reply(
            text=f"{names} can now change this organisation's settings and read its audit log.",
            mentions=tuple(changed),
        )
    return Reply(
        text=f"{names} are no longer admins named here. Workspace admins stay admins.",
        mentions=tuple(changed),
    )


def content_form() -> Form:
    """One pack file at a time, pasted as YAML and checked as `content validate` checks it."""
    return Form(
        form_id=SAVE_CONTENT,
        title="Your own content",
        intro="Items with an id already in the pack replace it; new ids are added. "
        "The format is in content/README.md.",
        fields=(
            Field(
                id="file",
                label="Pack file",
                kind=FieldKind.SELECT,
                required=True,
                options=tuple(Option(value=name, label=name) for name in FILE_NAMES),
            ),
            Field(
                id="yaml",
                label="The file's YAML (empty removes your version of this file)",
                kind=FieldKind.MULTILINE,
                max_length=MOST_YAML,
            ),
        ),
    )


@action(SAVE_CONTENT, codec=NONE, role=Role.ADMIN, what="Saving your own content")
async def save_content(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """Check the file over the shared pack with the organisation's other files, then keep it."""
    file, text = str(values.get("file") or ""), str(values.get("yaml") or "").strip()
    if file not in FILE_NAMES:
        raise Invalid("Choose one of the pack's files.", field="file")
    async with ctx.acting(actor) as (session, scope):
        files = await content_files(session, workspace_id=scope.workspace_id)
        files.pop(file, None)
        if text:
            _check(base=shared_pack(ctx), files={**files, file: text + "\n"})
        await save_content_file(
            session, workspace_id=scope.workspace_id, file=file, text=text or None, now=ctx.clock()
        )
        audit(session, ctx=ctx, actor=actor, scope=scope, action="settings.content", detail=file)
    forget_organisation(actor=actor, workspace_id=scope.workspace_id)
    if not text:
        return Reply(text=f"Removed your own {file}; the shared pack's is used again.")
    return Reply(text=f"Saved your own {file}. It is in use for this organisation now.")


def _check(*, base: ContentPack, files: dict[str, str]) -> None:
    """Every problem, with its file and line, under the YAML field, as the validator says them."""
    try:
        overlay_from_texts(files=files, base=base)
    except ContentError as exc:
        shown = [str(p) for p in exc.problems[:PROBLEMS_SHOWN]]
        more = len(exc.problems) - len(shown)
        if more:
            shown.append(f"and {more} more")
        raise Invalid("; ".join(shown), errors={"yaml": "; ".join(shown)}) from None
