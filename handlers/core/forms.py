"""One validator for every form, driven by the form's own definition.

A submission arrives from a platform as loosely typed data that anyone can forge.
Each field's definition says what it accepts (required, length, number range,
options, date, time, patient-data guard), so every problem, including a value
of the wrong type, becomes a field error shown beside the field, never an
exception. Handlers keep only the rules that span fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from handlers.core.errors import Invalid
from handlers.core.model import Field, FieldKind, FieldValue, Form
from handlers.core.pii import find_pii, pii_message

SUMMARY = "Some answers need another look."
UNREADABLE = "That answer could not be read. Please enter it again."
_CHOICE_KINDS = (FieldKind.MULTISELECT, FieldKind.CHECKBOX)


@dataclass(frozen=True, kw_only=True, slots=True)
class Submission:
    """A submission that passed its form's checks, with typed getters."""

    values: Mapping[str, FieldValue]

    def text(self, field_id: str) -> str:
        found = self.values.get(field_id, "")
        return found if isinstance(found, str) else ""

    def choices(self, field_id: str) -> tuple[str, ...]:
        found = self.values.get(field_id, ())
        return found if isinstance(found, tuple) else ((found,) if found else ())

    def flag(self, field_id: str) -> bool:
        return bool(self.choices(field_id))

    def number(self, field_id: str) -> int | None:
        raw = self.text(field_id)
        return int(raw) if raw else None

    def day(self, field_id: str) -> date | None:
        raw = self.text(field_id)
        return date.fromisoformat(raw) if raw else None

    def clock_time(self, field_id: str) -> time | None:
        raw = self.text(field_id)
        return datetime.strptime(raw, "%H:%M").time() if raw else None


def validate(*, form: Form, values: Mapping[str, object], today: date) -> Submission:
    """Check every field at once; raise `Invalid` with all field errors, or return them clean.

    Fields the form does not define are dropped, so a forged extra key goes nowhere.
    """
    clean: dict[str, FieldValue] = {}
    errors: dict[str, str] = {}
    for field in form.fields:
        value, problem = _read(field, values.get(field.id))
        if problem is None and field.guarded and isinstance(value, str) and value:
            findings = find_pii(text=value, today=today)
            problem = pii_message(findings=findings) if findings else None
        if problem is not None:
            errors[field.id] = problem
        clean[field.id] = value
    if errors:
        raise Invalid(SUMMARY, errors=errors)
    return Submission(values=clean)


def _read(field: Field, raw: object) -> tuple[FieldValue, str | None]:
    """A field's value in its expected shape, and what is wrong with it, if anything."""
    if field.kind in _CHOICE_KINDS:
        return _read_choices(field, raw)
    if raw is None:
        raw = ""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        return "", field.invalid_message or UNREADABLE
    text = raw.strip()
    if not text:
        missing = field.required_message or "Please fill this in."
        return "", missing if field.required else None
    return text, _check_text(field, text)


def _check_text(field: Field, text: str) -> str | None:
    if field.max_length is not None and len(text) > field.max_length:
        return f"Please keep this under {field.max_length:,} characters (it is {len(text):,})."
    checks = {
        FieldKind.NUMBER: _check_number,
        FieldKind.SELECT: _check_option,
        FieldKind.DATE: _check_date,
        FieldKind.TIME: _check_time,
    }
    check = checks.get(field.kind)
    return None if check is None else check(field, text)


def _check_number(field: Field, text: str) -> str | None:
    low = field.min_value if field.min_value is not None else 0
    high = field.max_value
    within = text.isascii() and text.isdigit() and len(text) <= 9
    if within and low <= int(text) and (high is None or int(text) <= high):
        return None
    upper = f" to {high:,}" if high is not None else " or more"
    return field.invalid_message or f"Enter a whole number from {low:,}{upper}."


def _check_option(field: Field, text: str) -> str | None:
    if not field.options or text in {o.value for o in field.options}:
        return None
    return field.invalid_message or "Please choose one of the options."


def _check_date(field: Field, text: str) -> str | None:
    try:
        date.fromisoformat(text)
    except ValueError:
        return field.invalid_message or "Enter a date as YYYY-MM-DD, e.g. 2026-12-01."
    return None


def _check_time(field: Field, text: str) -> str | None:
    try:
        datetime.strptime(text, "%H:%M")
    except ValueError:
        return field.invalid_message or "Enter a time as HH:MM, e.g. 12:30."
    return None


def _read_choices(field: Field, raw: object) -> tuple[tuple[str, ...], str | None]:
    if raw is None or raw == "":
        picked: tuple[str, ...] = ()
    elif isinstance(raw, str):
        picked = (raw,)
    elif isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        picked = tuple(raw)
    else:
        return (), field.invalid_message or UNREADABLE
    allowed = {o.value for o in field.options}
    if allowed and not set(picked) <= allowed:
        return (), field.invalid_message or "Please choose from the options given."
    if field.required and not picked:
        return (), field.required_message or "Please choose at least one."
    return picked, None


def validate_partially(
    *, form: Form, values: Mapping[str, FieldValue], today: date
) -> tuple[Submission, dict[str, str]]:
    """The fields that passed their definitions, and the errors of those that did not.

    For forms whose handler has rules of its own (a time zone that exists, a start
    still to come): it runs them on the fields that passed, then reports every
    problem at once, so the form takes one round trip.
    """
    try:
        return validate(form=form, values=values, today=today), {}
    except Invalid as problems:
        errors = dict(problems.errors)
    passed = dataclasses.replace(
        form, fields=tuple(field for field in form.fields if field.id not in errors)
    )
    return validate(form=passed, values=values, today=today), errors
