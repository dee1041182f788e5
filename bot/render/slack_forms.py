"""Slack modals from the neutral Form, and submitted modal state back to field values."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.render.markup import to_mrkdwn
from handlers import Field, FieldKind, FieldValue, Form

MODAL_TITLE_LIMIT = 24
OPTION_LABEL_LIMIT = 75
TEXT_INPUT_LIMIT = 3000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _options(field: Field) -> list[Option]:
    return [Option(value=o.value, label=_clip(o.label, OPTION_LABEL_LIMIT)) for o in field.options]


def _chosen(field: Field) -> list[Option]:
    initial = (field.initial,) if isinstance(field.initial, str) else field.initial
    return [o for o in _options(field) if o.value in initial]


def _element(field: Field) -> InputInteractiveElement:
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.MULTILINE):
        limit = min(field.max_length or TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT)
        return PlainTextInputElement(
            action_id=field.id,
            multiline=kind is FieldKind.MULTILINE,
            max_length=limit,
            initial_value=str(field.initial) or None,
        )
    if kind is FieldKind.NUMBER:
        return NumberInputElement(
            action_id=field.id,
            is_decimal_allowed=False,
            min_value=field.min_value,
            max_value=field.max_value,
            initial_value=str(field.initial) or None,
        )
    if kind is FieldKind.SELECT:
        chosen = _chosen(field)
        return StaticSelectElement(
            action_id=field.id,
            options=_options(field),
            initial_option=chosen[0] if chosen else None,
        )
    if kind is FieldKind.MULTISELECT:
        return StaticMultiSelectElement(
            action_id=field.id, options=_options(field), initial_options=_chosen(field) or None
        )
    if kind is FieldKind.CHECKBOX:
        return CheckboxesElement(
            action_id=field.id, options=_options(field), initial_options=_chosen(field) or None
        )
    if kind is FieldKind.DATE:
        return DatePickerElement(action_id=field.id, initial_date=str(field.initial) or None)
    if kind is FieldKind.TIME:
        return TimePickerElement(action_id=field.id, initial_time=str(field.initial) or None)
    return ConversationSelectElement(
        action_id=field.id,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        initial_conversation=str(field.initial) or None,
    )


def render_modal(form: Form) -> dict[str, Any]:
    """A modal whose block ids are the field ids, so errors map straight back."""
    blocks: list[Block] = []
    if form.intro:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=to_mrkdwn(form.intro))))
    for field in form.fields:
        blocks.append(
            InputBlock(
                block_id=field.id,
                label=_clip(field.label, 2000),
                element=_element(field),
                optional=not field.required,
                hint=field.hint,
            )
        )
        if field.id in form.errors:
            # A modal opens without Slack's own field errors, so the problem sits below.
            problem = PlainTextObject(text=_clip(f"⚠️ {form.errors[field.id]}", 2000))
            blocks.append(ContextBlock(block_id=f"{field.id}.problem", elements=[problem]))
    view = View(
        type="modal",
        callback_id=form.form_id,
        title=_clip(form.title, MODAL_TITLE_LIMIT),
        submit=_clip(form.submit, MODAL_TITLE_LIMIT),
        close="Cancel",
        private_metadata=form.state,
        blocks=blocks,
    )
    return view.to_dict()


def submitted_values(view: dict[str, Any]) -> dict[str, FieldValue]:
    """Field id to entered value from a view_submission's `state.values`.

    Anything not shaped as Slack sends it is left out, so the form's own checks
    report it as a missing answer rather than the bot failing on it.
    """
    values: dict[str, FieldValue] = {}
    for block_id, actions in _mapping(_mapping(view.get("state")).get("values")).items():
        for state in _mapping(actions).values():
            value = _entered(_mapping(state))
            if value is not None:
                values[block_id] = value
    return values


# The inputs whose answer is one string under its own key.
SELECTED = {
    "conversations_select": "selected_conversation",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _entered(state: dict[str, Any]) -> FieldValue | None:
    kind = state.get("type")
    if kind in ("plain_text_input", "number_input"):
        return _string(state.get("value"))
    if kind in ("static_select", "radio_buttons"):
        return _string(_mapping(state.get("selected_option")).get("value"))
    if kind in ("multi_static_select", "checkboxes"):
        chosen = state.get("selected_options")
        return tuple(
            _string(_mapping(o).get("value")) for o in (chosen if isinstance(chosen, list) else ())
        )
    if isinstance(kind, str) and kind in SELECTED:
        return _string(state.get(SELECTED[kind]))
    return None
