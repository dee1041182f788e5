"""Private CPD reflections: write, list, view, edit, delete, quick notes.

Every query goes through the author's own scope, so nobody else (facilitators
included) can read a private reflection. A reflection shared anonymously is
posted with no name, and the post carries nothing that points back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import payloads
from handlers.core.context import Context
from handlers.core.errors import Invalid, NotFound
from handlers.core.membership import in_channel
from handlers.core.model import (
    Actor,
    Button,
    ChannelPost,
    Delivery,
    FieldValue,
    Reply,
    Section,
)
from handlers.core.payloads import Codec
from handlers.core.registry import action, command
from handlers.core.text import typed, whole_number
from handlers.reflections.form import (
    FORM_STATE,
    SAVE,
    FormState,
    check_quick_note,
    known_template,
    note_title,
    read_submission,
    reflection_form,
    refused_note_form,
)
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.regulators import REGULATORS, suggested
from handlers.reflections.templates import GENERAL, NMC_CODE_THEMES, TEMPLATES, Template
from storage import Scope
from storage.cpd import cpd_settings_of
from storage.professions import profession_of
from storage.reflections import (
    NewReflection,
    SavedReflection,
    create_reflection,
    delete_reflection,
    get_reflection,
    list_reflections,
    update_reflection,
)

CHOOSE = "reflect.template"
VIEW = "reflections.view"
EDIT = "reflections.edit"
EXPAND = "reflections.expand"
DELETE = "reflections.delete"
DELETE_CONFIRMED = "reflections.delete.confirmed"
PAGE = "reflections.page"
PAGE_SIZE = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class Expansion:
    """A quick note to expand into a full reflection with the chosen template."""

    reflection_id: int
    template_id: str


_EXPANSION_FIELDS = payloads.record(Expansion)


def _decode_expansion(raw: str) -> Expansion:
    expansion = _EXPANSION_FIELDS.decode(raw)
    known_template(expansion.template_id)
    return expansion


EXPANSION: Codec[Expansion] = Codec(encode=_EXPANSION_FIELDS.encode, decode=_decode_expansion)
TEMPLATE_ID: Codec[str] = Codec(encode=lambda template_id: template_id, decode=known_template)


def record_of(row: SavedReflection) -> ReflectionRecord:
    """The handlers' view of a stored reflection: shared or not, never where."""
    return ReflectionRecord(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        template_id=row.template_id,
        title=row.title,
        answers=dict(row.answers),
        code_themes=tuple(row.code_themes),
        cpd_minutes=row.cpd_minutes,
        participatory=row.participatory,
        principles=tuple(row.principles),
        session=row.session,
        shared=row.shared_channel is not None,
    )


def _local_day(ctx: Context, when: datetime) -> str:
    return when.astimezone(ctx.timezone).strftime("%-d %B %Y")


async def _offered(session: AsyncSession, *, scope: Scope) -> tuple[Template, ...]:
    """The general templates, then those on the member's regulator's own headings."""
    settings = await cpd_settings_of(session, scope=scope)
    regulator = REGULATORS.get(settings.regulator or "") or suggested(
        await profession_of(session, scope=scope)
    )
    own = regulator.templates if regulator else ()
    return tuple(TEMPLATES[t] for t in dict.fromkeys((*GENERAL, *own)))


def _template_buttons(templates: tuple[Template, ...]) -> tuple[Button, ...]:
    return tuple(
        Button(action_id=f"{CHOOSE}.{t.id}", label=t.name, value=TEMPLATE_ID.encode(t.id))
        for t in templates
    )


def _expand_buttons(*, reflection_id: int, templates: tuple[Template, ...]) -> tuple[Button, ...]:
    return tuple(
        Button(
            action_id=f"{EXPAND}.{t.id}",
            label=t.name,
            value=EXPANSION.encode(Expansion(reflection_id=reflection_id, template_id=t.id)),
        )
        for t in templates
    )


@command(
    name="reflect",
    aliases=("reflection", "note"),
    usage="reflect [template]",
    summary="log a private CPD reflection; `/ccpl reflect <text>` saves a quick note",
    order=60,
)
async def reflect(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`reflect` offers the templates; `reflect nmc` opens one; `reflect <text>` saves a note."""
    if not args:
        async with ctx.acting(actor) as (session, scope):
            offered = await _offered(session, scope=scope)
        listing = "\n".join(f"• **{t.name}**: {t.summary}" for t in offered)
        return Reply(
            text="Log a CPD reflection",
            sections=(
                Section(
                    heading="Log a CPD reflection",
                    text=f"Choose a template:\n{listing}",
                    note="Private to you unless you choose to share it anonymously. "
                    "Quick note instead? `/ccpl reflect <your note>`",
                    buttons=_template_buttons(offered),
                ),
            ),
        )
    word = args[0].lower()
    if len(args) == 1 and word in TEMPLATES:
        return Reply(
            text="Opening the reflection form",
            form=reflection_form(pack=ctx.pack, template=TEMPLATES[word]),
        )
    return await _quick_note(ctx=ctx, actor=actor, text=" ".join(args))


async def _quick_note(*, ctx: Context, actor: Actor, text: str) -> Reply:
    now = ctx.clock()
    try:
        check_quick_note(text=text, today=now.date())
    except Invalid as refused:
        # The text comes back in the full form, to edit rather than type again.
        return Reply(
            text=f"Not saved yet. {refused}",
            form=refused_note_form(pack=ctx.pack, text=text, today=now.date()),
        )
    title = note_title(text)
    async with ctx.acting(actor) as (session, scope):
        row = await create_reflection(
            session,
            scope=scope,
            reflection=NewReflection(template_id=None, title=title, answers={QUICK_NOTE: text}),
            now=now,
        )
        offered = await _offered(session, scope=scope)
    return Reply(
        text="Saved as a quick note",
        sections=(
            Section(
                text="Saved as a quick note, private to you. Expand it into a full "
                "reflection now, or later from `/ccpl reflections`.",
                buttons=_expand_buttons(reflection_id=row.id, templates=offered),
            ),
        ),
    )


def _shared_post(*, record: ReflectionRecord) -> Reply:
    template = TEMPLATES[record.template_id or "what"]
    body = "\n\n".join(
        f"**{p.heading}**\n{typed(record.answers[p.id])}"
        for p in template.prompts
        if record.answers[p.id]
    )
    return Reply(
        text=f"A member shared a reflection: {typed(record.title)}",
        sections=(
            Section(
                heading=record.title,
                text=body,
                note="Shared anonymously from a member's CPD reflection.",
            ),
        ),
        delivery=Delivery.CHANNEL,
    )


async def _may_share(*, ctx: Context, actor: Actor, channel: str | None) -> None:
    """The channel comes back from the client, so sharing is checked against the
    channel's members: nobody posts, even anonymously, where they are not."""
    if channel and not await in_channel(ctx=ctx, actor=actor, channel=channel):
        raise Invalid(
            "You can share only into a channel you are in. Choose one of yours, or keep "
            "it private; if you have just joined, please try again in a minute.",
            field="channel",
        )


@action(SAVE, codec=FORM_STATE)
async def save(
    *, ctx: Context, actor: Actor, payload: FormState, values: Mapping[str, FieldValue]
) -> Reply:
    """Store a submitted reflection form (new or edited) for its author."""
    state = payload
    template = TEMPLATES[state.template_id]
    now = ctx.clock()
    written = read_submission(values=values, pack=ctx.pack, template=template, today=now.date())
    await _may_share(ctx=ctx, actor=actor, channel=written.shared_channel)
    async with ctx.acting(actor) as (session, scope):
        if state.reflection_id is None:
            row = await create_reflection(session, scope=scope, reflection=written, now=now)
        else:
            found = await update_reflection(
                session,
                scope=scope,
                reflection_id=state.reflection_id,
                reflection=written,
                now=now,
            )
            if found is None:
                raise Invalid(
                    "That reflection no longer exists; it may have been deleted.", field="title"
                )
            row = found
    record = record_of(row)
    posts: tuple[ChannelPost, ...] = ()
    where = "private to you"
    if row.shared_channel:
        posts = (ChannelPost(channel=row.shared_channel, reply=_shared_post(record=record)),)
        where = "and shared anonymously with the forum"
    hours = f" ({record.cpd_minutes} minutes of CPD)" if record.cpd_minutes else ""
    return Reply(
        text=f"Saved your reflection “{typed(record.title)}”{hours}, {where}.",
        sections=(
            Section(
                text=f"Saved your reflection **{typed(record.title)}**{hours}, {where}.",
                buttons=(
                    Button(action_id=PAGE, label="My reflections", value=payloads.ID.encode(1)),
                ),
            ),
        ),
        delivery=Delivery.DM,
        also_post=posts,
    )


@command(
    name="reflections",
    usage="reflections",
    summary="your reflections: view, edit, delete",
    order=70,
)
async def reflections(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """`reflections [page]`: the person's own reflections, newest first."""
    page = (whole_number(args[0]) if args else None) or 1
    return await _page(ctx=ctx, actor=actor, page=page)


async def _page(*, ctx: Context, actor: Actor, page: int) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        rows, total = await list_reflections(
            session, scope=scope, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    if total == 0:
        return Reply(
            text="You have no reflections yet.",
            sections=(
                Section(
                    text="You have no reflections yet. Start one with `/ccpl reflect`, "
                    "or save a quick note with `/ccpl reflect <your note>`."
                ),
            ),
        )
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if not rows:
        raise NotFound(f"There are only {pages} page(s) of reflections.")
    sections = []
    for row in rows:
        record = record_of(row)
        kind = "Quick note" if record.is_quick_note else TEMPLATES[record.template_id or ""].name
        minutes = f" · {record.cpd_minutes} min CPD" if record.cpd_minutes else ""
        shared = " · shared anonymously" if record.shared else ""
        sections.append(
            Section(
                text=f"**{typed(record.title)}**\n{_local_day(ctx, record.created_at)} · {kind}"
                f"{minutes}{shared}",
                buttons=(
                    Button(action_id=VIEW, label="View", value=payloads.ID.encode(record.id)),
                    Button(action_id=EDIT, label="Edit", value=payloads.ID.encode(record.id)),
                    Button(
                        action_id=DELETE,
                        label="Delete",
                        value=payloads.ID.encode(record.id),
                        style="danger",
                    ),
                ),
            )
        )
    paging = []
    if page > 1:
        paging.append(Button(action_id=PAGE, label="Newer", value=payloads.ID.encode(page - 1)))
    if page < pages:
        paging.append(Button(action_id=PAGE, label="Older", value=payloads.ID.encode(page + 1)))
    return Reply(
        text=f"Your reflections ({total})",
        sections=(
            Section(heading=f"Your reflections ({total})", text=f"Page {page} of {pages}."),
            *sections,
        ),
        buttons=tuple(paging),
    )


async def _owned_record(*, ctx: Context, actor: Actor, reflection_id: int) -> ReflectionRecord:
    async with ctx.acting(actor) as (session, scope):
        row = await get_reflection(session, scope=scope, reflection_id=reflection_id)
    if row is None:
        # Same answer whether it never existed or is someone else's: no hint either way.
        raise NotFound("I can't find that reflection. It may have been deleted.")
    return record_of(row)


def _full_text(ctx: Context, record: ReflectionRecord) -> str:
    if record.is_quick_note:
        return typed(record.answers.get(QUICK_NOTE, ""))
    template = TEMPLATES[record.template_id or ""]
    parts = [
        f"**{p.heading}**\n{typed(record.answers.get(p.id) or '') or '_(not answered)_'}"
        for p in template.prompts
    ]
    details = [
        f"CPD: {record.cpd_minutes} minutes" + (", participatory" if record.participatory else "")
    ]
    if record.principles:
        details.append("Principles: " + ", ".join(str(n) for n in record.principles))
    if record.code_themes:
        labels = dict(NMC_CODE_THEMES)
        details.append("Code: " + ", ".join(labels[t] for t in record.code_themes if t in labels))
    if record.session:
        details.append(f"Session: {typed(record.session)}")
    return "\n\n".join(parts) + "\n\n" + " · ".join(details)


@action(VIEW, codec=payloads.ID)
async def view_button(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    return await view(ctx=ctx, actor=actor, reflection_id=payload)


async def view(*, ctx: Context, actor: Actor, reflection_id: int) -> Reply:
    """One reflection in full, with the buttons to edit, expand or delete it."""
    record = await _owned_record(ctx=ctx, actor=actor, reflection_id=reflection_id)
    kind = "Quick note" if record.is_quick_note else TEMPLATES[record.template_id or ""].name
    buttons: tuple[Button, ...] = (
        Button(action_id=EDIT, label="Edit", value=payloads.ID.encode(record.id)),
    )
    if record.is_quick_note:
        async with ctx.acting(actor) as (session, scope):
            offered = await _offered(session, scope=scope)
        buttons = _expand_buttons(reflection_id=record.id, templates=offered)
    return Reply(
        text=typed(record.title),
        sections=(
            Section(
                heading=record.title,
                text=_full_text(ctx, record),
                note=f"{kind} · {_local_day(ctx, record.created_at)}"
                + (" · shared anonymously" if record.shared else " · private"),
                buttons=(
                    *buttons,
                    Button(
                        action_id=DELETE,
                        label="Delete",
                        value=payloads.ID.encode(record.id),
                        style="danger",
                    ),
                ),
            ),
        ),
    )


@action(EDIT, codec=payloads.ID)
async def edit_button(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    return await edit(ctx=ctx, actor=actor, reflection_id=payload)


async def expand(
    *, ctx: Context, actor: Actor, payload: Expansion, values: Mapping[str, FieldValue]
) -> Reply:
    """A quick note's template button: the note's text opens as the first answer."""
    return await edit(
        ctx=ctx, actor=actor, reflection_id=payload.reflection_id, template_id=payload.template_id
    )


async def edit(
    *, ctx: Context, actor: Actor, reflection_id: int, template_id: str | None = None
) -> Reply:
    """The form pre-filled with a reflection; a note without a template is shown instead."""
    record = await _owned_record(ctx=ctx, actor=actor, reflection_id=reflection_id)
    chosen = template_id or record.template_id
    if chosen is None:
        return await view(ctx=ctx, actor=actor, reflection_id=reflection_id)
    return Reply(
        text="Opening the reflection form",
        form=reflection_form(pack=ctx.pack, template=TEMPLATES[chosen], existing=record),
    )


@action(DELETE, codec=payloads.ID)
async def delete_button(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    return await delete(ctx=ctx, actor=actor, reflection_id=payload, confirmed=False)


@action(DELETE_CONFIRMED, codec=payloads.ID)
async def delete_confirmed(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    return await delete(ctx=ctx, actor=actor, reflection_id=payload, confirmed=True)


async def delete(*, ctx: Context, actor: Actor, reflection_id: int, confirmed: bool) -> Reply:
    """Ask first, then delete: a deleted reflection cannot be brought back."""
    record = await _owned_record(ctx=ctx, actor=actor, reflection_id=reflection_id)
    if not confirmed:
        return Reply(
            text=f"Delete “{typed(record.title)}”? This cannot be undone.",
            sections=(
                Section(
                    text=f"Delete **{typed(record.title)}**? This cannot be undone.",
                    buttons=(
                        Button(
                            action_id=DELETE_CONFIRMED,
                            label="Yes, delete it",
                            value=payloads.ID.encode(record.id),
                            style="danger",
                        ),
                    ),
                ),
            ),
        )
    async with ctx.acting(actor) as (session, scope):
        await delete_reflection(session, scope=scope, reflection_id=record.id)
    return Reply(text=f"Deleted “{typed(record.title)}”.")


async def choose(
    *, ctx: Context, actor: Actor, payload: str, values: Mapping[str, FieldValue]
) -> Reply:
    """A template button under `reflect`: opens that template's form."""
    return Reply(
        text="Opening the reflection form",
        form=reflection_form(pack=ctx.pack, template=TEMPLATES[payload]),
    )


@action(PAGE, codec=payloads.ID)
async def page_button(
    *, ctx: Context, actor: Actor, payload: int, values: Mapping[str, FieldValue]
) -> Reply:
    return await _page(ctx=ctx, actor=actor, page=payload)


# Each template has its own button id, as messages already posted carry them.
for _template_id in TEMPLATES:
    action(f"{CHOOSE}.{_template_id}", codec=TEMPLATE_ID)(choose)
    action(f"{EXPAND}.{_template_id}", codec=EXPANSION)(expand)
