"""Filling in a neutral Form at the terminal, one prompt per field.

Each prompt shows the field's current value (an edit's saved text, or what was
typed before a problem): Enter keeps it and `-` clears an optional one. When a
submission has problems, all of them are listed at once and only those fields
are asked again, each showing what was typed, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.render.console import wrap
from bot.render.markup import to_plain
from handlers import Action, Field, FieldKind, FieldValue, Form

CANCEL = "cancel"
CLEAR = "-"
ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]
SHOWN_AT_MOST = 300  # characters of a kept value echoed back; Enter keeps all of it


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
        notes.append("numbers separated by commas")
    if field.kind is FieldKind.CHANNEL:
        notes.append("a channel name such as #console")
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


def _chosen(value: FieldValue) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def _typed_text(field: Field, answer: str) -> str:
    # A channel is named as people name it (#console); the channel itself has no `#`.
    return answer.lstrip("#").strip() if field.kind is FieldKind.CHANNEL else answer


def _show_current(field: Field, *, current: FieldValue, write: Write) -> None:
    """The options with the current choice marked, or the current text; what Enter does."""
    chosen = _chosen(current)
    for number, option in enumerate(field.options, start=1):
        mark = "  (chosen)" if option.value in chosen else ""
        write(f"  [{number}] {option.label}{mark}\n")
    if not field.options and isinstance(current, str) and current:
        shown = current if len(current) <= SHOWN_AT_MOST else current[:SHOWN_AT_MOST] + "…"
        write(f"  Now: {shown}\n")
    if not any(chosen):
        if not field.required:
            write("  (Enter leaves it empty)\n")
        return
    clear = "" if field.required else f"; `{CLEAR}` clears it"
    write(f"  (Enter keeps it{clear})\n")


async def _ask(
    field: Field, *, read: ReadLine, write: Write, current: FieldValue, error: str | None
) -> FieldValue:
    if error:
        write(wrap(f"! {error}", indent="  ") + "\n")
    write(f"{_describe(field)}\n")
    if field.hint:
        write(f"{wrap(field.hint, indent='  ')}\n")
    _show_current(field, current=current, write=write)
    while True:
        answer = await read("> ")
        if answer is None or answer.strip().lower() == CANCEL:
            raise Cancelled
        answer = answer.strip()
        if not answer:
            return current
        if answer == CLEAR and not field.required:
            return "" if isinstance(current, str) else ()
        if not field.options:
            return _typed_text(field, answer)
        choice = _parse_choices(field, answer)
        if choice is not None:
            return choice
        write(f"  Please type a number from 1 to {len(field.options)}.\n")


def _list_problems(form: Form, errors: Mapping[str, str], write: Write) -> None:
    """Every problem at once, before any field is asked again."""
    labels = {f.id: f.label for f in form.fields}
    count = "1 thing" if len(errors) == 1 else f"{len(errors)} things"
    write(f"\nPlease check {count}; everything else you typed is kept:\n")
    for field_id, problem in errors.items():
        write(wrap(f"• {labels.get(field_id, field_id)}: {problem}", indent="  ") + "\n")


async def fill_form(
    *,
    form: Form,
    read: ReadLine,
    write: Write,
    values: Mapping[str, FieldValue] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Action:
    """Ask every field (or, given `errors`, only those with one) and return the submission.

    `values` are the answers so far; each field asked shows its own and keeps it on
    Enter. Any flow that refuses a submission can call this again with the answers
    and the problems, and the person fixes only what needs fixing.
    """
    current = dict(values) if values is not None else {f.id: f.initial for f in form.fields}
    if errors is None and form.errors:
        # A form that opens with problems (a refused quick note) asks only those fields.
        write(f"\n{to_plain(form.title)} (type `cancel` at any prompt to stop)\n")
        errors = dict(form.errors)
    if errors is None:
        write(f"\n{to_plain(form.title)} (type `cancel` at any prompt to stop)\n")
        if form.intro:
            write(f"{wrap(form.intro)}\n")
    else:
        _list_problems(form, errors, write)
    for field in form.fields:
        if errors is not None and field.id not in errors:
            continue
        current[field.id] = await _ask(
            field,
            read=read,
            write=write,
            current=current.get(field.id, field.initial),
            error=(errors or {}).get(field.id),
        )
    return Action(action_id=form.form_id, value=form.state, values=current)
