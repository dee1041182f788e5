"""`/ccpl cpd` and `/ccpl export`: a member's regulator, their dates, and the file to hand in.

The regulator decides the targets, the window and the shape of the export
(handlers.reflections.regulators). A member's profession suggests one until
they choose; every figure says when it rests on a guess or on today's date.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Context
from handlers.core.errors import Invalid
from handlers.core.forms import validate
from handlers.core.model import (
    Actor,
    Attachment,
    Delivery,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Option,
    Reply,
    Section,
)
from handlers.core.payloads import NONE
from handlers.core.registry import action, command
from handlers.core.text import typed
from handlers.reflections.commands import record_of
from handlers.reflections.export import Holder, reflections_csv, reflections_pdf
from handlers.reflections.records import ReflectionRecord
from handlers.reflections.regulators import (
    DEFAULT,
    REGULATORS,
    Regulator,
    Status,
    status,
    suggested,
    template_names,
)
from storage import Scope
from storage.cpd import SavedCpdSettings, cpd_settings_of, next_export_number, save_cpd_settings
from storage.professions import profession_of
from storage.reflections import list_reflections

SAVE = "cpd.save"
NAME_LIMIT = 100
REGISTRATION_LIMIT = 20
# Registration numbers are letters and digits (an NMC PIN such as 12A3456E, a GPhC
# number, an HCPC PH123456, a GMC number, SW12345), sometimes written with spaces.
_REGISTRATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*")
PRIVATE = (
    "Private to you. Your name and registration number are printed only on your own "
    "export, and stored sealed."
)


async def member_status(
    session: AsyncSession, *, ctx: Context, scope: Scope, now: datetime
) -> tuple[Status, SavedCpdSettings, list[ReflectionRecord]]:
    """The member's standing for their next submission, their settings and all their records."""
    settings = await cpd_settings_of(session, scope=scope)
    regulator = REGULATORS.get(settings.regulator or "")
    if regulator is None:
        regulator = suggested(await profession_of(session, scope=scope)) or DEFAULT
    rows, _ = await list_reflections(session, scope=scope)
    records = [record_of(row) for row in reversed(rows)]
    standing = status(
        records=records,
        regulator=regulator,
        chosen=settings.regulator in REGULATORS,
        renewal=settings.renewal_date,
        today=now.astimezone(ctx.timezone).date(),
        zone=ctx.timezone,
    )
    return standing, settings, records


def progress_text(standing: Status) -> str:
    """The dates and each target, as bullet lines any platform shows."""
    window = standing.window
    lines = [f"• {line.text()}" for line in standing.lines]
    dates = f"{_day(window.start)} to {_day(window.end)}"
    return f"**{standing.regulator.short}**, {dates}:\n" + "\n".join(lines)


def settings_text(standing: Status, settings: SavedCpdSettings) -> str:
    """What the member has set, in words; unset parts say how to set them."""
    regulator = standing.regulator
    chosen = regulator.name if standing.chosen else f"not set (showing the {regulator.short}'s)"
    renewal = _day(settings.renewal_date) if settings.renewal_date else "not set"
    name = typed(settings.full_name) if settings.full_name else "not set"
    number = typed(settings.registration_number) if settings.registration_number else "not set"
    return (
        f"Regulator: {chosen}\n{regulator.date_label}: {renewal}\n"
        f"Name on your export: {name}\n{regulator.register_label}: {number}"
    )


@command(
    name="cpd",
    aliases=("revalidation", "regulator"),
    usage="cpd",
    summary="your regulator and revalidation date, and progress against their targets",
    order=75,
)
async def cpd(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Shows the member's CPD settings and progress, with the form to change them."""
    async with ctx.acting(actor) as (session, scope):
        standing, settings, _ = await member_status(session, ctx=ctx, scope=scope, now=ctx.clock())
    text = f"{settings_text(standing, settings)}\n\n{progress_text(standing)}"
    return Reply(
        text="Your CPD settings. Opening the form to change them.",
        sections=(
            Section(
                heading="Your CPD settings",
                text=text,
                note=" ".join(standing.caveats()) or PRIVATE,
            ),
        ),
        form=_form(current=standing.regulator.id, settings=settings, intro=_intro(standing)),
    )


def _form(*, current: str, settings: SavedCpdSettings, intro: str = PRIVATE) -> Form:
    options = tuple(
        Option(value=r.id, label=r.name if r.short == r.name else f"{r.name} ({r.short})")
        for r in REGULATORS.values()
    )
    return Form(
        form_id=SAVE,
        title="Your CPD settings",
        intro=intro,
        submit="Save",
        fields=(
            Field(
                id="regulator",
                label="Regulator",
                kind=FieldKind.SELECT,
                required=True,
                options=options,
                initial=current,
                required_message="Choose your regulator.",
                invalid_message="Choose your regulator from the list.",
            ),
            Field(
                id="renewal_date",
                label="Revalidation or registration renewal date",
                kind=FieldKind.DATE,
                initial=settings.renewal_date.isoformat() if settings.renewal_date else "",
                hint="The date your regulator counts back from, e.g. 2027-04-30. "
                "For the GMC, your next appraisal.",
                invalid_message="Enter the date as YYYY-MM-DD, e.g. 2027-04-30.",
            ),
            Field(
                id="full_name",
                label="Name to print on your export (optional)",
                max_length=NAME_LIMIT,
                initial=settings.full_name or "",
            ),
            Field(
                id="registration_number",
                label="Registration number or PIN (optional)",
                max_length=REGISTRATION_LIMIT,
                initial=settings.registration_number or "",
                hint="Printed on your export only.",
            ),
        ),
    )


@action(SAVE, codec=NONE)
async def save(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """Store the member's choices and answer with their progress on the new terms."""
    now = ctx.clock()
    form = _form(current="", settings=SavedCpdSettings())
    submitted = validate(form=form, values=values, today=now.date())
    number = submitted.text("registration_number")
    if number and not _REGISTRATION.fullmatch(number):
        raise Invalid(
            "Use only letters, digits, spaces and hyphens, as on your registration.",
            field="registration_number",
        )
    chosen = SavedCpdSettings(
        regulator=submitted.text("regulator"),
        renewal_date=submitted.day("renewal_date"),
        full_name=submitted.text("full_name") or None,
        registration_number=number or None,
    )
    async with ctx.acting(actor) as (session, scope):
        await save_cpd_settings(session, scope=scope, settings=chosen)
        standing, settings, _ = await member_status(session, ctx=ctx, scope=scope, now=now)
    regulator = standing.regulator
    return Reply(
        text=f"Saved: your regulator is the {regulator.short}.",
        sections=(
            Section(
                heading="Saved your CPD settings",
                text=f"{settings_text(standing, settings)}\n\n{progress_text(standing)}",
                note=_templates_note(regulator),
            ),
        ),
    )


def _intro(standing: Status) -> str:
    """Where the member stands now, so the form says why its answers matter."""
    window = standing.window
    lines = "\n".join(f"• {line.text()}" for line in standing.lines)
    return (
        f"{standing.regulator.short}, {_day(window.start)} to {_day(window.end)}:\n{lines}\n\n"
        f"{PRIVATE}"
    )


def _templates_note(regulator: Regulator) -> str:
    return f"Templates on the {regulator.short}'s headings: {template_names(regulator)}."


@command(
    name="export",
    usage="export",
    summary="your CPD record as PDF (in your regulator's shape) and CSV, for revalidation",
    slow=True,
    order=80,
)
async def export(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """The PDF for the member's regulator and a CSV of every reflection, by DM."""
    now = ctx.clock()
    async with ctx.acting(actor) as (session, scope):
        standing, settings, records = await member_status(session, ctx=ctx, scope=scope, now=now)
        if not records:
            return Reply(
                text="You have no reflections to export yet. Start one with `/ccpl reflect`.",
            )
        number = await next_export_number(session, scope=scope)
    # PDF layout is CPU work; keep the event loop free for other people's requests.
    pdf = await asyncio.to_thread(
        reflections_pdf,
        records=records,
        status=standing,
        holder=Holder(name=settings.full_name, registration=settings.registration_number),
        zone=ctx.timezone,
        generated=now,
    )
    csv_bytes = reflections_csv(records=records, zone=ctx.timezone)
    # The member's own export count makes every name new, so no file replaces another.
    stem = f"cpd-{standing.regulator.id}-{now.astimezone(ctx.timezone):%Y-%m-%d}-{number}"
    caveats = " ".join(standing.caveats())
    return Reply(
        text=f"Your CPD record for the {standing.regulator.short} ({len(records)} reflections)",
        sections=(
            Section(
                heading=f"Your CPD record for the {standing.regulator.short}",
                text=progress_text(standing),
                note=caveats
                or "The PDF is in your regulator's shape; the CSV has every "
                "reflection and opens in a spreadsheet.",
            ),
        ),
        attachments=(
            Attachment(filename=f"{stem}.pdf", content=pdf, title="CPD record (PDF)"),
            Attachment(filename=f"{stem}.csv", content=csv_bytes, title="CPD reflections (CSV)"),
        ),
        delivery=Delivery.DM,
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
