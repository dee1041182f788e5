"""Form checks that leave room for a handler's own rules, all reported together.

`core.forms.validate` checks each field from its definition. A schedule form
also has rules no definition can say (a time zone that exists, a schedule we
can read, a start still to come); running those on the fields that passed and
reporting every problem at once keeps the form to one round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

from handlers.core.errors import Invalid
from handlers.core.forms import Submission, validate
from handlers.core.model import FieldValue, Form


def check_form(
    *, form: Form, values: Mapping[str, FieldValue], today: date
) -> tuple[Submission, dict[str, str]]:
    """The fields that passed their definitions, and the errors of those that did not."""
    try:
        return validate(form=form, values=values, today=today), {}
    except Invalid as problems:
        errors = dict(problems.errors)
    passed = dataclasses.replace(
        form, fields=tuple(field for field in form.fields if field.id not in errors)
    )
    return validate(form=passed, values=values, today=today), errors
