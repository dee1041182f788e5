"""Adaptive Cards from every shape of Reply and Form, checked against the official 1.5
schema and Teams' limits; a submission reads back what each kind of input sends."""

from __future__ import annotations

import json

from bot.render.adaptive import Submitted, render_card, render_form, submission
from handlers import Button, Field, FieldKind, Form, Option, Reply, Section
from handlers.core.help import help_reply
from tests.fakes.teams_connector import card_problems

OPTIONS = (Option(value="a", label="First"), Option(value="b", label="Second"))
EVERY_KIND = Form(
    form_id="test.save",
    title="Every kind",
    intro="Fill in **what you can**; see [the guide](https://example.org/guide).",
    state="42",
    fields=(
        Field(id="title", label="Title", required=True, max_length=120, hint="A few words"),
        Field(id="notes", label="Notes", kind=FieldKind.MULTILINE, max_length=3000),
        Field(id="minutes", label="Minutes", kind=FieldKind.NUMBER, min_value=0, max_value=600),
        Field(id="pick", label="Pick", kind=FieldKind.SELECT, options=OPTIONS, initial="b"),
        Field(id="many", label="Many", kind=FieldKind.MULTISELECT, options=OPTIONS),
        Field(id="ticks", label="Ticks", kind=FieldKind.CHECKBOX, options=OPTIONS),
        Field(id="where", label="Channel", kind=FieldKind.CHANNEL),
        Field(id="day", label="Date", kind=FieldKind.DATE),
        Field(id="at", label="Time", kind=FieldKind.TIME, initial="12:30"),
    ),
)


def test_every_input_kind_renders_as_a_valid_card() -> None:
    card = render_form(EVERY_KIND, channels=(("19:c@thread.tacv2", "This channel"),))
    assert card_problems(card) == []
    kinds = {i["id"]: i["type"] for i in card["body"] if "id" in i}
    assert kinds == {
        "title": "Input.Text",
        "notes": "Input.Text",
        "minutes": "Input.Number",
        "pick": "Input.ChoiceSet",
        "many": "Input.ChoiceSet",
        "ticks": "Input.ChoiceSet",
        "where": "Input.ChoiceSet",
        "day": "Input.Date",
        "at": "Input.Time",
    }


def test_errors_sit_under_their_fields_and_typed_values_come_back() -> None:
    typed = {"title": "Mine", "minutes": "45", "many": ("a", "b"), "day": "2026-12-01"}
    card = render_form(
        EVERY_KIND,
        values=typed,
        errors={"minutes": "Enter minutes from 0 to 600.", "other": "Something else."},
    )
    assert card_problems(card) == []
    body = card["body"]
    at = next(i for i, item in enumerate(body) if item.get("id") == "minutes")
    assert body[at]["value"] == 45
    assert body[at + 1]["text"] == "Enter minutes from 0 to 600."
    assert body[-1]["text"] == "Something else."  # a problem with no field of its own

    data = card["actions"][0]["data"]
    sent = submission({**data, "title": "Mine", "minutes": 45.0, "many": "a,b", "ticks": ""})
    assert isinstance(sent, Submitted)
    assert sent.form.form_id == "test.save" and sent.form.state == "42"
    assert sent.values["minutes"] == "45" and sent.values["many"] == ("a", "b")
    assert sent.values["ticks"] == () and sent.values["notes"] == ""
    assert "Mine" not in json.dumps(data)  # typed text is not copied into the definition


def test_a_huge_reply_stays_within_teams_limit_and_says_so() -> None:
    sections = tuple(
        Section(
            heading=f"Part {n}",
            text="• a line of text that goes on for a while\n" * 40,
            note="a note",
            buttons=(Button(action_id="x.view", label="View", value=str(n)),),
        )
        for n in range(60)
    )
    card = render_card(Reply(text="Lots", sections=sections))
    assert card_problems(card) == []
    assert "More than fits here" in card["body"][-1]["text"]


def test_help_renders_with_its_buttons() -> None:
    card = render_card(help_reply(unknown="tpi"))
    assert card_problems(card) == []
    assert "@CCPL" in json.dumps(card) and "/ccpl" not in json.dumps(card)


def test_something_else_is_not_a_submission() -> None:
    assert submission("hello") is None
    assert submission({"ccpl_form": "x", "ccpl_definition": {"fields": "nonsense"}}) is None
