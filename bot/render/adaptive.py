"""Adaptive Cards (1.5, what Teams renders for bots) from the neutral Reply and Form.

Buttons and forms use Action.Execute (Universal Actions): Teams sends an
`adaptiveCard/action` invoke and shows the card the bot answers with. Each has
an Action.Submit fallback for clients without it, whose `data` comes back merged
with the form's inputs as a message activity. Both are read by `submission()`.
A shared post with a `view` gets a `refresh` clause, so each reader named in
`userIds` (and anyone who asks for a refresh) sees their own view of it.
A form carries its own definition (without any typed text) in the submit
data, so a submission with errors can be shown again as the same card with
the errors beside their fields and everything typed kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.render.markup import to_teams
from handlers import Button, Field, FieldKind, FieldValue, Form, Option, Reply, Section
from handlers.core.text import typed

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses a message over about 28 KB; stay clear of it with room for the envelope.
CARD_BUDGET = 24_000
TEXT_LIMIT = 4_000
BUTTONS_PER_ROW = 5
MORE = "_More than fits here; narrow it._"

# Keys of our own in Action.Submit data; field ids never start with "ccpl_".
ACTION_KEY = "ccpl_action"
VALUE_KEY = "ccpl_value"
FORM_KEY = "ccpl_form"
STATE_KEY = "ccpl_state"
DEFINITION_KEY = "ccpl_definition"
# The per-reader view of the card a button sits on, to answer a press with.
VIEW_KEY = "ccpl_view"
VIEW_VALUE_KEY = "ccpl_view_value"
REFRESH = "refresh"  # the verb of a card's refresh action
MOST_VIEWERS = 60  # Teams keeps a view of their own for at most 60 people

ChannelChoice = tuple[str, str]  # (conversation id, label)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A label and its value on a line of their own, "**When:** Tue 3 Nov", read as a fact.
_FACT = re.compile(r"^\*\*([^*\n]{1,60}?):\*\*[ \t]+(\S.*)$")
_PARAGRAPHS = re.compile(r"\n[ \t\u00a0]*\n")
# Our bullet lines, "• item" (or "- item"), are one Markdown list in a card.
_BULLET = re.compile(r"^[•-][ \t\u00a0]+(.*)$")


def _line(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _clip(text, TEXT_LIMIT), "wrap": True, **style}


def _text(text: str, *, personal: bool = False, **style: Any) -> list[dict[str, Any]]:
    """Our Markdown as blocks Teams lays out as written.

    Teams joins lines split by a single line break into one paragraph, so each line
    is a TextBlock of its own, bullet lines one Markdown list, and a blank line
    starts a new paragraph with a wider gap. Consecutive "**Label:** value" lines
    become a FactSet, as label/value details read in Teams.
    """
    markdown = to_teams(text, personal=personal)
    gap = style.pop("spacing", None)
    blocks: list[dict[str, Any]] = []
    for number, paragraph in enumerate(_PARAGRAPHS.split(markdown.strip("\n"))):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        for index, line in enumerate(lines):
            spacing = gap if number == index == 0 else "Medium" if index == 0 else "None"
            placed = {"spacing": spacing} if spacing else {}
            fact = None if style else _FACT.match(line)
            bullet = _BULLET.match(line)
            previous = blocks[-1] if index and blocks else {}
            if bullet and previous.get("ccpl_list"):
                previous["text"] += "\n- " + bullet[1]
            elif bullet:
                blocks.append({**_line("- " + bullet[1], **style, **placed), "ccpl_list": True})
            elif fact is None:
                blocks.append(_line(line, **style, **placed))
            elif previous.get("type") == "FactSet":
                previous["facts"].append(_fact(fact))
            else:
                blocks.append({"type": "FactSet", "facts": [_fact(fact)], **placed})
    for block in blocks:
        if block.pop("ccpl_list", False):
            block["text"] = _clip(block["text"], TEXT_LIMIT)
    return blocks


def _fact(match: re.Match[str]) -> dict[str, str]:
    return {"title": match[1], "value": _clip(match[2], TEXT_LIMIT)}


def _plain(text: str, **style: Any) -> list[dict[str, Any]]:
    """Headings and titles are plain text on every platform (Slack's header block is),
    and may be what a person typed, such as a reflection's title."""
    return _text(typed(text), **style)


def _execute(
    title: str, verb: str, data: dict[str, Any], style: str | None = None
) -> dict[str, Any]:
    """Action.Execute, with the same action as Action.Submit for older clients."""
    submit: dict[str, Any] = {"type": "Action.Submit", "title": _clip(title, 80), "data": data}
    if style:
        submit["style"] = style
    return {**submit, "type": "Action.Execute", "verb": verb, "fallback": submit}


def _button(button: Button, view: Button | None) -> dict[str, Any]:
    data = {ACTION_KEY: button.action_id, VALUE_KEY: button.value}
    if view is not None:
        data |= {VIEW_KEY: view.action_id, VIEW_VALUE_KEY: view.value}
    style = {"primary": "positive", "danger": "destructive"}.get(button.style or "")
    return _execute(button.label, button.action_id, data, style)


def _button_rows(buttons: Sequence[Button], view: Button | None = None) -> list[dict[str, Any]]:
    # Teams shows a handful of actions per row and hides the rest behind "...".
    return [
        {
            "type": "ActionSet",
            "actions": [_button(b, view) for b in buttons[i : i + BUTTONS_PER_ROW]],
        }
        for i in range(0, len(buttons), BUTTONS_PER_ROW)
    ]


def _section(section: Section, *, personal: bool, view: Button | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if section.heading:
        items += _plain(_clip(section.heading, 200), weight="Bolder", size="Medium")
    if section.text.strip():
        items += _text(section.text, personal=personal, spacing="Small")
    if section.note:
        items += _text(
            section.note, personal=personal, isSubtle=True, size="Small", spacing="Small"
        )
    items.extend(_button_rows(_for_everyone(section.buttons, view), view))
    return items


def _for_everyone(buttons: Sequence[Button], view: Button | None) -> tuple[Button, ...]:
    """A shared post with a view of its own per reader leaves owners' controls to it."""
    return tuple(b for b in buttons if view is None or not b.owners_only)


def card(
    body: list[dict[str, Any]],
    *,
    actions: list[dict[str, Any]] | None = None,
    refresh: dict[str, Any] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions:
        found["actions"] = actions
    if refresh:
        found["refresh"] = refresh
    return found


def _refresh(view: Button, viewers: Sequence[str]) -> dict[str, Any]:
    """Teams asks for `view` for each person in `userIds` when they see the card (and
    for anyone who picks Refresh), and shows them the card the bot answers with."""
    data = {ACTION_KEY: view.action_id, VALUE_KEY: view.value}
    action = {"type": "Action.Execute", "title": view.label, "verb": REFRESH, "data": data}
    found: dict[str, Any] = {"action": action}
    if viewers:
        found["userIds"] = list(viewers[:MOST_VIEWERS])
    return found


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def render_card(
    reply: Reply, *, personal: bool = False, viewers: Sequence[str] = ()
) -> dict[str, Any]:
    """A message card: sections in order, then the reply's own buttons.

    `viewers` are the Teams user ids (`29:...`) of `reply.viewers`, who see their
    own view of a shared post. Sections that would take the card past Teams' size
    limit are left off with a line saying so, as Slack's renderer does past 50 blocks.
    """
    sections = reply.sections or (Section(text=reply.text),)
    view = reply.view
    buttons = _button_rows(_for_everyone(reply.buttons, view), view)
    body: list[dict[str, Any]] = []
    spent = _size(buttons)
    for section in sections:
        items = _section(section, personal=personal, view=view)
        cost = _size(items)
        if body and spent + cost > CARD_BUDGET:
            body += _text(MORE, isSubtle=True)
            break
        body.extend(items)
        spent += cost
    body.extend(buttons)
    return card(body, refresh=_refresh(view, viewers) if view else None)


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": content}


def _initial(field: Field, values: Mapping[str, FieldValue] | None) -> FieldValue:
    if values is not None and field.id in values:
        return values[field.id]
    return field.initial


def _as_text(value: FieldValue) -> str:
    return value if isinstance(value, str) else ",".join(value)


def _choices(options: Sequence[Option]) -> list[dict[str, str]]:
    return [{"title": _clip(o.label, 200), "value": o.value} for o in options]


def _input(field: Field, value: FieldValue, channels: Sequence[ChannelChoice]) -> dict[str, Any]:
    base: dict[str, Any] = {"id": field.id, "label": _clip(field.label, 200)}
    if field.required:
        base["isRequired"] = True
        base["errorMessage"] = f"{_clip(field.label, 100)} is needed"
    text = _as_text(value)
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.MULTILINE):
        return _text_input(field, base, text)
    if kind is FieldKind.NUMBER:
        return _number_input(field, base, text)
    if kind is FieldKind.DATE:
        return {"type": "Input.Date", **base, **({"value": text} if text else {})}
    if kind is FieldKind.TIME:
        return {"type": "Input.Time", **base, **({"value": text} if text else {})}
    if kind is FieldKind.CHANNEL:
        return _channel_input(field, base, text, channels)
    return _choice_input(field, base, text)


def _text_input(field: Field, base: dict[str, Any], text: str) -> dict[str, Any]:
    found = {"type": "Input.Text", **base, "isMultiline": field.kind is FieldKind.MULTILINE}
    if field.max_length:
        found["maxLength"] = field.max_length
    if text:
        found["value"] = text
    return found


def _number_input(field: Field, base: dict[str, Any], text: str) -> dict[str, Any]:
    found = {"type": "Input.Number", **base}
    if field.min_value is not None:
        found["min"] = field.min_value
    if field.max_value is not None:
        found["max"] = field.max_value
    if text.strip().lstrip("-").isdigit():
        found["value"] = int(text)
    return found


def _channel_input(
    field: Field, base: dict[str, Any], text: str, channels: Sequence[ChannelChoice]
) -> dict[str, Any]:
    options = tuple(Option(value=c, label=label) for c, label in channels)
    # Only a required channel is chosen for the person; an optional one waits for them.
    chosen = text or (channels[0][0] if channels and field.required else "")
    found = {"type": "Input.ChoiceSet", **base, "choices": _choices(options)}
    found["style"] = "compact"
    found["placeholder"] = "Choose a channel"
    if chosen:
        found["value"] = chosen
    return found


def _choice_input(field: Field, base: dict[str, Any], text: str) -> dict[str, Any]:
    found = {"type": "Input.ChoiceSet", **base, "choices": _choices(field.options)}
    found["style"] = "expanded" if field.kind is FieldKind.CHECKBOX else "compact"
    if field.kind in (FieldKind.MULTISELECT, FieldKind.CHECKBOX):
        found["isMultiSelect"] = True
    if text:
        found["value"] = text
    return found


def render_form(
    form: Form,
    *,
    channels: Sequence[ChannelChoice] = (),
    values: Mapping[str, FieldValue] | None = None,
    errors: Mapping[str, str] | None = None,
    personal: bool = True,
) -> dict[str, Any]:
    """A form as a card. With `values` and `errors` it is the same form shown again:
    what was typed is kept and each problem sits under its field."""
    problems = dict(form.errors if errors is None else errors)
    body = _plain(form.title, weight="Bolder", size="Large")
    if form.intro:
        body += _text(form.intro, personal=personal)
    if problems:
        body += _text("Please check the fields marked below.", color="Attention", weight="Bolder")
    for field in form.fields:
        body.append(_input(field, _initial(field, values), channels))
        if field.hint:
            body += _plain(field.hint, isSubtle=True, size="Small", spacing="None")
        if field.id in problems:
            body += _text(problems.pop(field.id), color="Attention", spacing="None")
    for message in problems.values():  # a problem with no field of its own
        body += _text(message, color="Attention")
    data = {FORM_KEY: form.form_id, STATE_KEY: form.state, DEFINITION_KEY: _definition(form)}
    return card(body, actions=[_execute(form.submit, form.form_id, data, "positive")])


def _definition(form: Form) -> dict[str, Any]:
    # Without initial values: text someone typed in an earlier edit is not copied here.
    empty = replace(form, fields=tuple(replace(f, initial="") for f in form.fields), errors={})
    return asdict(empty)


def _form_from(definition: Mapping[str, Any]) -> Form:
    fields = tuple(
        Field(
            **{
                **f,
                "kind": FieldKind(f["kind"]),
                "options": tuple(Option(**o) for o in f.get("options", ())),
            }
        )
        for f in definition["fields"]
    )
    return Form(**{**definition, "fields": fields})


@dataclass(frozen=True, kw_only=True, slots=True)
class Pressed:
    """A button press from a card; `view` draws the card's reader's own view after it."""

    action_id: str
    value: str
    view: Pressed | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Submitted:
    """A form submission: its form (to show again on errors), state and values."""

    form: Form
    values: dict[str, FieldValue]


def submission(value: Any) -> Pressed | Submitted | None:
    """What an Action.Submit sent, or None when the activity is not one of ours."""
    if not isinstance(value, Mapping):
        return None
    if isinstance(value.get(ACTION_KEY), str):
        view = None
        if isinstance(value.get(VIEW_KEY), str):
            view = Pressed(action_id=value[VIEW_KEY], value=str(value.get(VIEW_VALUE_KEY) or ""))
        return Pressed(
            action_id=value[ACTION_KEY], value=str(value.get(VALUE_KEY) or ""), view=view
        )
    definition = value.get(DEFINITION_KEY)
    if not isinstance(value.get(FORM_KEY), str) or not isinstance(definition, Mapping):
        return None
    try:
        form = _form_from(definition)
    except (KeyError, TypeError, ValueError):
        return None
    values: dict[str, FieldValue] = {}
    for field in form.fields:
        raw = value.get(field.id)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # some clients send a number input as a JSON number
        text = "" if raw is None else str(raw)
        if field.kind in (FieldKind.MULTISELECT, FieldKind.CHECKBOX):
            # A multi-select choice set sends its values joined by commas.
            values[field.id] = tuple(v for v in text.split(",") if v)
        else:
            values[field.id] = text
    return Submitted(form=form, values=values)
