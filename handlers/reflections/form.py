"""The reflection form: building it from a template and reading it back safely.

Every free-text field passes the patient-identifiable information guard
before anything is stored; problems come back as field errors with the text
left in place for the person to edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from content import ContentPack
from handlers.core.errors import Invalid
from handlers.core.model import Action, Field, FieldKind, Form, Option
from handlers.core.payloads import Codec, StalePayload, record
from handlers.core.pii import find_pii, pii_message
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.templates import NMC_CODE_THEMES, TEMPLATES, Template

SAVE = "reflect.save"
TITLE_LIMIT = 150
ANSWER_LIMIT = 3000
SESSION_LIMIT = 200
MAX_MINUTES = 6000  # 100 hours: more than any single activity would claim
PRIVATE = "private"
SHARED = "shared"


@dataclass(frozen=True, kw_only=True, slots=True)
class FormState:
    """What a submitted form was for: a template, and the reflection it edits if any."""

    template_id: str
    reflection_id: int | None = None


def known_template(template_id: str) -> str:
    """A template id we offer; anything else came from an old or edited payload."""
    if template_id not in TEMPLATES:
        raise StalePayload("unknown template")
    return template_id


_FORM_STATE_FIELDS = record(FormState)


def _decode_form_state(raw: str) -> FormState:
    state = _FORM_STATE_FIELDS.decode(raw)
    known_template(state.template_id)
    return state


# Reads "what:" (a new reflection) and "what:12" (editing 12), as forms always have.
FORM_STATE: Codec[FormState] = Codec(encode=_FORM_STATE_FIELDS.encode, decode=_decode_form_state)


def reflection_form(
    *,
    pack: ContentPack,
    template: Template,
    existing: ReflectionRecord | None = None,
    session: str | None = None,
    minutes: int | None = None,
) -> Form:
    """The form for a template, pre-filled from an existing reflection, a quick note,
    or the session it follows (its title and CPD time)."""
    answers = dict(existing.answers) if existing else {}
    if existing is not None and existing.is_quick_note:
        # Expanding a quick note: its text becomes the first answer.
        answers = {template.prompts[0].id: answers.get(QUICK_NOTE, "")}
    fields: list[Field] = [
        Field(
            id="title",
            label="Title",
            required=True,
            max_length=TITLE_LIMIT,
            initial=existing.title if existing else "",
            hint="A few words to find it again, e.g. 'Journal club: shared decision making'",
        )
    ]
    for number, prompt in enumerate(template.prompts):
        fields.append(
            Field(
                id=prompt.id,
                label=prompt.question,
                kind=FieldKind.MULTILINE,
                required=number == 0,
                max_length=ANSWER_LIMIT,
                initial=answers.get(prompt.id, ""),
            )
        )
    if template.asks_code_themes:
        fields.append(
            Field(
                id="code_themes",
                label="Themes of the Code",
                kind=FieldKind.MULTISELECT,
                options=tuple(Option(value=v, label=label) for v, label in NMC_CODE_THEMES),
                initial=existing.code_themes if existing else (),
            )
        )
    fields += [
        Field(
            id="cpd_minutes",
            label="CPD time in minutes",
            kind=FieldKind.NUMBER,
            min_value=0,
            max_value=MAX_MINUTES,
            initial=(
                str(existing.cpd_minutes)
                if existing and existing.cpd_minutes
                else str(minutes)
                if minutes
                else ""
            ),
        ),
        Field(
            id="participatory",
            label="Participatory",
            kind=FieldKind.CHECKBOX,
            options=(Option(value="yes", label="I learned with others (participatory CPD)"),),
            initial=("yes",) if (existing and existing.participatory) or session else (),
        ),
        Field(
            id="principles",
            label="Related CCPL principles",
            kind=FieldKind.MULTISELECT,
            options=tuple(
                Option(value=str(p.number), label=f"{p.number}. {p.title}") for p in pack.principles
            ),
            initial=tuple(str(n) for n in existing.principles) if existing else (),
        ),
        Field(
            id="session",
            label="Session or event (optional)",
            max_length=SESSION_LIMIT,
            initial=(existing.session if existing else session) or "",
        ),
        Field(
            id="visibility",
            label="Who can see it",
            kind=FieldKind.SELECT,
            required=True,
            options=(
                Option(value=PRIVATE, label="Only me (private)"),
                Option(value=SHARED, label="Share anonymously with a forum channel"),
            ),
            initial=PRIVATE,
            hint="Shared reflections are posted with no name. Nobody else can read private ones.",
        ),
        Field(id="channel", label="Forum channel to share with", kind=FieldKind.CHANNEL),
    ]
    state = FormState(template_id=template.id, reflection_id=existing.id if existing else None)
    return Form(
        form_id=SAVE,
        title="Reflection" if existing is None else "Edit reflection",
        fields=tuple(fields),
        state=FORM_STATE.encode(state),
        intro=(
            f"**{template.name}**: {template.summary}\n"
            "Please leave out anything that could identify a patient or service user "
            "(names, NHS numbers, dates of birth, addresses)."
        ),
    )


def _free_text_errors(values: dict[str, str], *, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field_id, text in values.items():
        findings = find_pii(text=text, today=today)
        if findings:
            errors[field_id] = pii_message(findings=findings)
    return errors


def check_free_text(*, field_id: str, text: str, limit: int, today: date) -> None:
    """The guard for a single free-text value, such as a quick note."""
    if len(text) > limit:
        raise Invalid(f"Please keep this under {limit:,} characters.", field=field_id)
    errors = _free_text_errors({field_id: text}, today=today)
    if errors:
        raise Invalid(errors[field_id], errors=errors)


def read_submission(*, action: Action, template: Template, today: date) -> dict[str, Any]:
    """Validate a submitted form and return Reflection column values, or raise Invalid."""
    limits = {"title": TITLE_LIMIT, "session": SESSION_LIMIT}
    limits.update({p.id: ANSWER_LIMIT for p in template.prompts})
    texts = {field_id: action.text(field_id) for field_id in limits}
    errors: dict[str, str] = {}
    if not texts["title"]:
        errors["title"] = "Please give it a short title."
    first = template.prompts[0]
    if not texts[first.id]:
        errors[first.id] = "Please write at least a line here."
    for field_id, limit in limits.items():
        if len(texts[field_id]) > limit:
            errors[field_id] = (
                f"Please keep this under {limit:,} characters (it is {len(texts[field_id]):,})."
            )
    for field_id, message in _free_text_errors(texts, today=today).items():
        errors.setdefault(field_id, message)

    minutes_raw = action.text("cpd_minutes")
    minutes = 0
    if minutes_raw:
        if not minutes_raw.isdigit() or int(minutes_raw) > MAX_MINUTES:
            errors["cpd_minutes"] = f"Enter whole minutes from 0 to {MAX_MINUTES:,}, e.g. 45."
        else:
            minutes = int(minutes_raw)
    shared = action.text("visibility") == SHARED
    channel = action.text("channel")
    if shared and not channel:
        errors["channel"] = "Choose the forum channel to share it with, or keep it private."
    valid_themes = {value for value, _ in NMC_CODE_THEMES}
    if errors:
        raise Invalid("Some answers need another look.", errors=errors)
    return {
        "template_id": template.id,
        "title": texts["title"],
        "answers": {p.id: texts[p.id] for p in template.prompts},
        "code_themes": [t for t in action.choices("code_themes") if t in valid_themes],
        "principles": sorted(int(n) for n in action.choices("principles") if n.isdigit()),
        "cpd_minutes": minutes,
        "participatory": "yes" in action.choices("participatory"),
        "session": texts["session"] or None,
        "shared_channel": channel if shared else None,
    }
