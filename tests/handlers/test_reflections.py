"""Reflections as the handlers see them: quick notes, editing, deleting, paging, privacy."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers import (
    Action,
    Actor,
    Context,
    FieldValue,
    Invalid,
    NotFound,
    Reply,
    handle_action,
    handle_text,
)
from handlers.core.payloads import STALE_MESSAGE
from tests.clock import FakeClock


def _submit(form_state: str, values: dict[str, FieldValue]) -> Action:
    return Action(action_id="reflect.save", value=form_state, values=MappingProxyType(values))


async def _save_what(ctx: Context, actor: Actor, title: str, **extra: FieldValue) -> Reply:
    opened = await handle_text(ctx=ctx, actor=actor, text="reflect what")
    assert opened.form is not None
    values: dict[str, FieldValue] = {"title": title, "what": f"What about {title}", **extra}
    return await handle_action(ctx=ctx, actor=actor, action=_submit(opened.form.state, values))


async def test_reflect_offers_three_templates(ctx: Context, actor: Actor) -> None:
    reply = await handle_text(ctx=ctx, actor=actor, text="reflect")
    labels = [b.label for b in reply.sections[0].buttons]
    assert labels == [
        "NMC reflective account",
        "Gibbs' reflective cycle",
        "What? So what? Now what?",
    ]


async def test_a_quick_note_expands_into_a_full_reflection(ctx: Context, actor: Actor) -> None:
    saved = await handle_text(ctx=ctx, actor=actor, text="reflect Silo working came up again")
    expand = next(b for b in saved.sections[0].buttons if b.value.endswith(":gibbs"))
    opened = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=expand.action_id, value=expand.value)
    )
    assert opened.form is not None
    description = next(f for f in opened.form.fields if f.id == "description")
    assert description.initial == "Silo working came up again"


async def test_a_refused_quick_note_opens_the_full_form_with_its_text_and_every_problem(
    ctx: Context, actor: Actor
) -> None:
    note = "Call her on 07700 900123 about the forum"
    refused = await handle_text(ctx=ctx, actor=actor, text=f"reflect {note}")
    assert refused.form is not None and refused.form.form_id == "reflect.save"
    initial = {f.id: f.initial for f in refused.form.fields}
    assert initial["what"] == note and initial["title"] == note  # nothing typed is lost
    assert set(refused.form.errors) == {"title", "what"}  # every problem at once
    assert all("phone number" in m for m in refused.form.errors.values())
    assert "07700" not in refused.text + "".join(refused.form.errors.values())
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert listing.text == "You have no reflections yet."

    values = {**initial, "title": "Forum follow-up", "what": "Call her about the forum"}
    saved = await handle_action(ctx=ctx, actor=actor, action=_submit(refused.form.state, values))
    assert saved.text.startswith("Saved your reflection “Forum follow-up”")
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert listing.text == "Your reflections (1)"


async def test_a_refused_long_note_reports_its_length_and_the_title_s_identifier_together(
    ctx: Context, actor: Actor
) -> None:
    note = "NHS 943 476 5919 " + "and a very long note " * 150
    refused = await handle_text(ctx=ctx, actor=actor, text=f"reflect {note}")
    assert refused.form is not None
    assert "NHS number" in refused.form.errors["title"]
    assert "under 3,000 characters" in refused.form.errors["what"]


async def test_edit_keeps_the_reflection_and_changes_it(ctx: Context, actor: Actor) -> None:
    await _save_what(ctx, actor, "Before")
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    edit = next(b for b in listing.sections[1].buttons if b.label == "Edit")
    opened = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=edit.action_id, value=edit.value)
    )
    assert opened.form is not None
    title = next(f for f in opened.form.fields if f.id == "title")
    assert title.initial == "Before"
    await handle_action(
        ctx=ctx, actor=actor, action=_submit(opened.form.state, {"title": "After", "what": "x"})
    )
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert listing.text == "Your reflections (1)"
    assert "After" in listing.sections[1].text


async def test_delete_asks_first(ctx: Context, actor: Actor) -> None:
    await _save_what(ctx, actor, "Doomed")
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    delete = next(b for b in listing.sections[1].buttons if b.label == "Delete")
    asked = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=delete.action_id, value=delete.value)
    )
    assert "cannot be undone" in asked.text
    assert (await handle_text(ctx=ctx, actor=actor, text="reflections")).text.endswith("(1)")
    confirm = asked.sections[0].buttons[0]
    await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=confirm.action_id, value=confirm.value)
    )
    assert (await handle_text(ctx=ctx, actor=actor, text="reflections")).text.startswith(
        "You have no"
    )


async def test_list_is_newest_first_and_paged(ctx: Context, actor: Actor) -> None:
    assert isinstance(ctx.clock, FakeClock)
    for n in range(7):
        await _save_what(ctx, actor, f"Reflection {n}")
        ctx.clock.advance(timedelta(days=1))
    first = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert first.text == "Your reflections (7)"
    assert "Reflection 6" in first.sections[1].text
    older = next(b for b in first.buttons if b.label == "Older")
    second = await handle_action(
        ctx=ctx, actor=actor, action=Action(action_id=older.action_id, value=older.value)
    )
    assert [s.text.split("\n")[0] for s in second.sections[1:]] == [
        "**Reflection 1**",
        "**Reflection 0**",
    ]
    with pytest.raises(NotFound):
        await handle_text(ctx=ctx, actor=actor, text="reflections 9")


async def test_nobody_else_can_edit_or_delete_it(ctx: Context, actor: Actor) -> None:
    await _save_what(ctx, actor, "Mine")
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    reflection_id = listing.sections[1].buttons[0].value
    other = dataclasses.replace(actor, user=actor.user + "X")
    for action_id in ("reflections.edit", "reflections.delete.confirmed"):
        with pytest.raises(NotFound):
            await handle_action(
                ctx=ctx, actor=other, action=Action(action_id=action_id, value=reflection_id)
            )
    opened = await handle_text(ctx=ctx, actor=other, text="reflect what")
    assert opened.form is not None
    forged_state = f"what:{reflection_id}"
    with pytest.raises(Invalid, match="no longer exists"):
        await handle_action(
            ctx=ctx, actor=other, action=_submit(forged_state, {"title": "Hijack", "what": "x"})
        )
    still = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert "Mine" in still.sections[1].text


async def test_every_problem_in_a_form_is_reported_at_once(ctx: Context, actor: Actor) -> None:
    opened = await handle_text(ctx=ctx, actor=actor, text="reflect nmc")
    assert opened.form is not None
    values: dict[str, FieldValue] = {
        "title": "",
        "activity": "Met at SW1A 1AA",
        "learned": "email me: someone@example.org",
        "cpd_minutes": "lots",
    }
    with pytest.raises(Invalid) as raised:
        await handle_action(ctx=ctx, actor=actor, action=_submit(opened.form.state, values))
    errors = raised.value.errors
    assert set(errors) == {"title", "activity", "learned", "cpd_minutes"}
    assert "postcode" in errors["activity"] and "email" in errors["learned"]


async def test_a_tampered_edit_state_gets_the_one_stale_wording(ctx: Context, actor: Actor) -> None:
    await _save_what(ctx, actor, "Kept")
    listing = await handle_text(ctx=ctx, actor=actor, text="reflections")
    reflection_id = listing.sections[1].buttons[0].value
    for state in (
        f"what:{reflection_id}x",
        f"what:-{reflection_id}",
        f"nope:{reflection_id}",
        f"what:{reflection_id}:1",
        "what",
        "",
    ):
        with pytest.raises(NotFound) as raised:
            await handle_action(
                ctx=ctx, actor=actor, action=_submit(state, {"title": "Hijack", "what": "x"})
            )
        assert raised.value.message == STALE_MESSAGE
    for expand_value in (f"{reflection_id}:nope", "x:what", "what"):
        with pytest.raises(NotFound, match="out of date"):
            await handle_action(
                ctx=ctx,
                actor=actor,
                action=Action(action_id="reflections.expand.what", value=expand_value),
            )
    still = await handle_text(ctx=ctx, actor=actor, text="reflections")
    assert "Kept" in still.sections[1].text


_FORM_FIELDS = (
    "title",
    "activity",
    "learned",
    "changed",
    "code",
    "code_themes",
    "cpd_minutes",
    "participatory",
    "principles",
    "session",
    "visibility",
    "channel",
)
_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.integers(min_value=2990, max_value=3200).map(lambda n: "x" * n),
    st.sampled_from(["private", "shared", "yes", "prioritise-people", "1", "45", "C123"]),
    st.lists(st.text(max_size=10), max_size=3),
    st.tuples(st.sampled_from(["yes", "1", "preserve-safety"])),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_KEYS = st.one_of(st.sampled_from(_FORM_FIELDS), st.text(max_size=12))
_SOUND: dict[str, object] = {
    "title": "Journal club",
    "activity": "Read a paper",
    "cpd_minutes": "45",
}
# Wholly arbitrary submissions, and sound ones with a few answers spoiled, so both
# the error path and the save path are exercised.
_SUBMISSIONS = st.one_of(
    st.dictionaries(_KEYS, _ANY_VALUE, max_size=14),
    st.dictionaries(_KEYS, _ANY_VALUE, max_size=3).map(lambda spoiled: {**_SOUND, **spoiled}),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=_SUBMISSIONS)
async def test_any_submission_is_saved_or_gets_field_errors(
    ctx: Context, actor: Actor, values: Mapping[str, object]
) -> None:
    """Whatever a platform (or a forger) sends, the form answers with field errors, not a crash."""
    opened = await handle_text(ctx=ctx, actor=actor, text="reflect nmc")
    assert opened.form is not None
    forged = Action(
        action_id="reflect.save",
        value=opened.form.state,
        values=MappingProxyType(values),  # type: ignore[arg-type]  # deliberately mistyped
    )
    try:
        reply = await handle_action(ctx=ctx, actor=actor, action=forged)
    except Invalid as invalid:
        event("field errors")
        assert invalid.errors
        assert set(invalid.errors) <= {f.id for f in opened.form.fields}
        assert all(isinstance(message, str) and message for message in invalid.errors.values())
    else:
        event("saved")
        assert isinstance(reply, Reply)
        assert reply.text.startswith("Saved your reflection")
