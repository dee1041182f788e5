"""Schedule and lunch forms and buttons against forged input: field errors, never a crash."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import ContentPack
from handlers import Action, Actor, Context, FieldValue, Reply, handle_action, handle_text
from handlers.core.context import no_roles
from handlers.core.errors import Invalid, NotAllowed, NotFound
from handlers.core.payloads import STALE_MESSAGE
from storage import Database
from tests.clock import FakeClock

LUNCH_FIELDS = (
    "title",
    "topic",
    "own_topic",
    "date",
    "time",
    "duration",
    "location",
    "host",
    "capacity",
)
FORUM_FIELDS = ("name", "kind", "recurrence", "timezone", "duration", "ground_rules")
ANSWER = re.compile(r"[0-9]{1,18}:(going|maybe|cant)")

# What a forged submission might hold: nothing, the wrong type, or far too much.
wrong_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.text(max_size=12), max_size=3),
    st.tuples(st.text(max_size=12)),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.builds(lambda char, times: char * times, st.characters(), st.integers(150, 3000)),
)


async def facilitator_roles(actor: Actor) -> frozenset[str]:
    return frozenset({"facilitator"})


@pytest.fixture
def fctx(pack: ContentPack, database: Database, clock: FakeClock) -> Context:
    clock.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return Context(pack=pack, database=database, clock=clock, resolve_roles=facilitator_roles)


@pytest.fixture
def lead(actor: Actor) -> Actor:
    return dataclasses.replace(actor, channel="C0FORMS")


async def submit(
    ctx: Context, actor: Actor, *, opened_with: str, values: Mapping[str, Any]
) -> Reply:
    """Open the form by its command, then send it back with the given values."""
    opened = await handle_text(ctx=ctx, actor=actor, text=opened_with)
    assert opened.form is not None
    return await handle_action(
        ctx=ctx,
        actor=actor,
        action=Action(
            action_id=opened.form.form_id,
            value=opened.form.state,
            values=cast(Mapping[str, FieldValue], MappingProxyType(dict(values))),
        ),
    )


async def answers_or_field_errors(
    ctx: Context,
    actor: Actor,
    *,
    opened_with: str,
    values: Mapping[str, Any],
    fields: tuple[str, ...],
) -> None:
    try:
        await submit(ctx, actor, opened_with=opened_with, values=values)
    except Invalid as problem:
        assert problem.errors
        assert set(problem.errors) <= set(fields)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.dictionaries(st.sampled_from((*LUNCH_FIELDS, "forged")), wrong_values))
async def test_forged_lunch_forms_get_field_errors_never_a_crash(
    fctx: Context, lead: Actor, values: dict[str, Any]
) -> None:
    await answers_or_field_errors(
        fctx, lead, opened_with="lunch add", values=values, fields=LUNCH_FIELDS
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.dictionaries(st.sampled_from((*FORUM_FIELDS, "forged")), wrong_values))
async def test_forged_forum_forms_get_field_errors_never_a_crash(
    fctx: Context, lead: Actor, values: dict[str, Any]
) -> None:
    await answers_or_field_errors(
        fctx, lead, opened_with="forum setup", values=values, fields=FORUM_FIELDS
    )


async def test_every_problem_in_a_lunch_form_is_shown_at_once(fctx: Context, lead: Actor) -> None:
    values = {
        "title": "",
        "topic": "own",
        "own_topic": "",
        "date": "2026-10-01",
        "time": "12:30",
        "duration": "5",
        "location": "Room 2",
        "host": "Sam",
        "capacity": "none",
    }
    with pytest.raises(Invalid) as raised:
        await submit(fctx, lead, opened_with="lunch add", values=values)
    assert raised.value.errors == {
        "title": "Please give the session a title.",
        "own_topic": "Choose or write a topic.",
        "date": "That time has already passed.",
        "duration": "Enter minutes from 10 to 240.",
        "capacity": "Enter a number of places, or leave it empty.",
    }


async def test_a_forum_form_reports_its_own_rules_beside_the_definitions(
    fctx: Context, lead: Actor
) -> None:
    values = {
        "name": "",
        "kind": "sometimes",
        "recurrence": "now and then",
        "timezone": "Mars/Olympus",
        "duration": "9",
        "ground_rules": "Call 020 7946 0000 for the patient",
    }
    with pytest.raises(Invalid) as raised:
        await submit(fctx, lead, opened_with="forum setup", values=values)
    errors = raised.value.errors
    assert errors["name"] == "Please give it a name."
    assert errors["kind"] == "Choose a kind."
    assert errors["recurrence"].startswith("I couldn't read “now and then” as a schedule")
    assert errors["timezone"] == "“Mars/Olympus” is not a time zone; try Europe/London."
    assert errors["duration"] == "Enter minutes from 10 to 480."
    assert "phone number" in errors["ground_rules"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40).filter(lambda text: not ANSWER.fullmatch(text)))
async def test_a_tampered_rsvp_gets_the_one_stale_wording(
    fctx: Context, lead: Actor, value: str
) -> None:
    with pytest.raises(NotFound) as raised:
        await handle_action(
            ctx=fctx, actor=lead, action=Action(action_id="lunch.rsvp", value=value)
        )
    assert raised.value.message == STALE_MESSAGE


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("lunch.rsvp", "12:waitlist"),
        ("lunch.rsvp", "12:going:again"),
        ("lunch.attended", "12:perhaps"),
        ("lunch.reflect.nmc", "12:no-such-template"),
        ("journal.book", "12|not a time"),
        ("meeting.agree", "twelve|2026-11-02T10:00+00:00"),
        ("meeting.agreements.save", ""),
        ("forum.confirm", "12a"),
        ("forum.save", "party:C0FORMS"),
        ("lunch.save", ""),
    ],
)
async def test_every_out_of_date_button_gets_the_same_wording(
    fctx: Context, lead: Actor, action_id: str, value: str
) -> None:
    with pytest.raises(NotFound) as raised:
        await handle_action(ctx=fctx, actor=lead, action=Action(action_id=action_id, value=value))
    assert raised.value.message == STALE_MESSAGE


async def test_an_rsvp_for_a_session_that_is_gone_says_so(fctx: Context, lead: Actor) -> None:
    with pytest.raises(NotFound, match=r"I can.t find that session\."):
        await handle_action(
            ctx=fctx, actor=lead, action=Action(action_id="lunch.rsvp", value="999999:going")
        )


async def test_a_member_sending_the_lunch_form_is_refused_by_its_command(
    fctx: Context, lead: Actor
) -> None:
    member = dataclasses.replace(fctx, resolve_roles=no_roles)
    with pytest.raises(NotAllowed, match="`/ccpl lunch add` is for facilitators"):
        await handle_action(
            ctx=member,
            actor=lead,
            action=Action(action_id="lunch.save", value="C0FORMS", values=MappingProxyType({})),
        )
