"""Filling in a neutral Form at the terminal, one prompt per field.

Answers are kept across validation errors: only the fields with a problem are
asked again, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.render.markup import to_plain
from handlers import Action, Field, FieldKind, FieldValue, Form

CANCEL = "cancel"
ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]


class Cancelled(Exception):
    """The person typed `cancel` or input ended mid-form."""


def _describe(field: Field) -> str:
    notes = []
    if field.required:
        notes.append("required")
    if field.max_length:
        notes.append(f"up to {field.max_length:,} characters")
    if field.kind is FieldKind.NUMBER and field.max_value is not None:
        notes.append(f"{field.min_value or 0} to {field.max_value:,}")
    if field.kind in (FieldKind.MULTISELECT, FieldKind.CHECKBOX):
        notes.append("numbers separated by commas, or Enter for none")
    if field.kind is FieldKind.CHANNEL:
        notes.append("a channel name, or Enter for none")
    if field.kind is FieldKind.DATE:
        notes.append("YYYY-MM-DD")
    if field.kind is FieldKind.TIME:
        notes.append("HH:MM, 24-hour")
    return f"{to_plain(field.label)}" + (f" ({'; '.join(notes)})" if notes else "")


def _parse_choices(field: Field, answer: str) -> FieldValue | None:
    picked: list[str] = []
    for part in answer.replace(" ", "").split(","):
        if not part.isdigit() or not 1 <= int(part) <= len(field.options):
            return None
        picked.append(field.options[int(part) - 1].value)
    if field.kind is FieldKind.SELECT:
        return picked[0] if len(picked) == 1 else None
    return tuple(dict.fromkeys(picked))


async def _ask(
    field: Field, *, read: ReadLine, write: Write, error: str | None, current: FieldValue
) -> FieldValue:
    kept = current if isinstance(current, str) else ""
    if error:
        write(f"  ! {to_plain(error)}\n")
    write(f"{_describe(field)}\n")
    if error and kept and not field.options:
        # The text with the problem, to copy and change rather than type again.
        write(f"  You wrote: {kept}\n  (Enter keeps it as it is.)\n")
    if field.hint:
        write(f"  {to_plain(field.hint)}\n")
    for number, option in enumerate(field.options, start=1):
        write(f"  [{number}] {option.label}\n")
    while True:
        answer = await read("> ")
        if answer is None or answer.strip().lower() == CANCEL:
            raise Cancelled
        answer = answer.strip()
        if not field.options:
            return answer or kept
        if not answer:
            return field.initial
        choice = _parse_choices(field, answer)
        if choice is not None:
            return choice
        write(f"  Please type a number from 1 to {len(field.options)}.\n")


async def fill_form(
    *,
    form: Form,
    read: ReadLine,
    write: Write,
    values: dict[str, FieldValue] | None = None,
    errors: dict[str, str] | None = None,
) -> Action:
    """Ask every field (or only those with errors) and return the submission.

    The form's own `errors` (a refused quick note) are asked first, like
    errors from a submission: only those fields, each with its text shown.
    """
    current = dict(values or {f.id: f.initial for f in form.fields})
    if errors is None and form.errors:
        errors = dict(form.errors)
    if values is None:
        write(f"\n{to_plain(form.title)} (type `cancel` at any prompt to stop)\n")
        if form.intro:
            write(f"{to_plain(form.intro)}\n")
    for field in form.fields:
        if errors is not None and field.id not in errors:
            continue
        current[field.id] = await _ask(
            field,
            read=read,
            write=write,
            error=(errors or {}).get(field.id),
            current=current.get(field.id, field.initial),
        )
    return Action(action_id=form.form_id, value=form.state, values=current)
