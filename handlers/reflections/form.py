"""The reflection form: building it from a template and reading it back safely.

Every free-text field is marked `guarded`, so the form validator runs the
patient-identifiable information guard on it before anything is stored;
problems come back as field errors with the text left in place to edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from content import ContentPack
from handlers.core.errors import Invalid
from handlers.core.forms import SUMMARY, Submission, validate
from handlers.core.model import Field, FieldKind, Form, Option
from handlers.core.payloads import Codec, StalePayload, record
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.templates import NMC_CODE_THEMES, TEMPLATES, Template
from storage.reflections import NewReflection

SAVE = "reflect.save"
TITLE_LIMIT = 150
ANSWER_LIMIT = 3000
SESSION_LIMIT = 200
MAX_MINUTES = 6000  # 100 hours: more than any single activity would claim
PRIVATE = "private"
SHARED = "shared"
# The simplest template: a refused note lands in its first answer, "What?".
REFUSED_NOTE_TEMPLATE = "what"


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
            guarded=True,
            required_message="Please give it a short title.",
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
                guarded=True,
                required_message="Please write at least a line here.",
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
            invalid_message=f"Enter whole minutes from 0 to {MAX_MINUTES:,}, e.g. 45.",
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
            guarded=True,
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


QUICK_NOTE_FORM = Form(
    form_id="reflect.note",
    title="Quick note",
    fields=(
        Field(
            id=QUICK_NOTE,
            label="Quick note",
            kind=FieldKind.MULTILINE,
            max_length=ANSWER_LIMIT,
            guarded=True,
        ),
    ),
)


def check_quick_note(*, text: str, today: date) -> None:
    """A quick note passes the same checks as a form's free text, or raises `Invalid`."""
    try:
        validate(form=QUICK_NOTE_FORM, values={QUICK_NOTE: text}, today=today)
    except Invalid as invalid:
        # A note is typed as a command, so the summary is the field's own message.
        raise Invalid(invalid.errors[QUICK_NOTE], errors=invalid.errors) from None


def note_title(text: str) -> str:
    """A quick note's title: its opening words, cut at a length lists can show."""
    return text if len(text) <= 60 else text[:59].rstrip() + "…"


def refused_note_form(*, pack: ContentPack, text: str, today: date) -> Form:
    """The full form holding a quick note that was refused, with every problem shown.

    A note is typed once, in a command; refusing it must not make the person
    type it again, so it opens as the first answer of a reflection to edit.
    """
    template = TEMPLATES[REFUSED_NOTE_TEMPLATE]
    kept = {"title": note_title(text), template.prompts[0].id: text}
    blank = reflection_form(pack=pack, template=template)
    form = replace(
        blank,
        fields=tuple(replace(f, initial=kept.get(f.id, f.initial)) for f in blank.fields),
        intro="Your quick note is not saved yet: change what is marked below, then save.\n"
        + (blank.intro or ""),
    )
    values = {f.id: f.initial for f in form.fields}
    try:
        read_submission(values=values, pack=pack, template=template, today=today)
    except Invalid as invalid:
        return replace(form, errors=dict(invalid.errors))
    return form


def _with_default_visibility(values: Mapping[str, object]) -> Mapping[str, object]:
    # The form opens on "private", so a submission that leaves it out means private.
    if values.get("visibility"):
        return values
    return {**values, "visibility": PRIVATE}


def _sharing_errors(values: Mapping[str, object]) -> dict[str, str]:
    """The one rule spanning fields: sharing needs a channel to share with."""
    channel = values.get("channel")
    has_channel = isinstance(channel, str) and bool(channel.strip())
    if values.get("visibility") == SHARED and not has_channel:
        return {"channel": "Choose the forum channel to share it with, or keep it private."}
    return {}


def read_submission(
    *, values: Mapping[str, object], pack: ContentPack, template: Template, today: date
) -> NewReflection:
    """Validate a submitted form and return the reflection it describes, or raise
    Invalid with every problem at once."""
    values = _with_default_visibility(values)
    sharing = _sharing_errors(values)
    try:
        submission = validate(
            form=reflection_form(pack=pack, template=template), values=values, today=today
        )
    except Invalid as invalid:
        raise Invalid(SUMMARY, errors={**invalid.errors, **sharing}) from None
    if sharing:
        raise Invalid(SUMMARY, errors=sharing)
    return _reflection(submission, template=template)


def _reflection(submission: Submission, *, template: Template) -> NewReflection:
    shared = submission.text("visibility") == SHARED
    return NewReflection(
        template_id=template.id,
        title=submission.text("title"),
        answers={p.id: submission.text(p.id) for p in template.prompts},
        code_themes=submission.choices("code_themes"),
        principles=tuple(sorted(int(n) for n in submission.choices("principles"))),
        cpd_minutes=submission.number("cpd_minutes") or 0,
        participatory=submission.flag("participatory"),
        session=submission.text("session") or None,
        shared_channel=submission.text("channel") if shared else None,
    )
