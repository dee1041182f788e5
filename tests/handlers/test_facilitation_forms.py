"""Forged form submissions: whatever a platform sends back, the answer is a reply or field errors.

The check-in view and profile forms arrive as loosely typed data anyone could
edit, so every wrong type, missing answer or oversize text must come back as
`Invalid` with errors beside the fields, never another exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import Action, Actor, Context, FieldValue, Invalid, Reply, handle_action
from handlers.facilitation.checkins import VIEW_FORM, VIEW_STATE, Sharing, ViewState
from handlers.facilitation.profile import NOT_SET, SAVE
from storage.checkins import add_checkin

PROFESSION_IDS = ("nurses", "public-health", NOT_SET, "astronauts", "")

# Anything JSON or a form library could hand over for one field, including oversize text.
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.text(alphabet="ab \n", min_size=1990, max_size=2100),
    st.lists(st.text(max_size=10), max_size=3),
    st.tuples(st.integers(), st.text(max_size=5)),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FORGED = settings(
    max_examples=60,
    deadline=None,
    # One context serves every example; each example is a separate submission.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _values(field_id: str, value: object, extra: Mapping[str, object]) -> Mapping[str, FieldValue]:
    values = {**extra, field_id: value} if value is not None else dict(extra)
    # Forged on purpose: the adapters promise these types, a tampered request does not.
    return cast(Mapping[str, FieldValue], MappingProxyType(values))


async def _submit(ctx: Context, actor: Actor, action: Action) -> None:
    try:
        answer = await handle_action(ctx=ctx, actor=actor, action=action)
    except Invalid as refused:
        assert refused.errors, refused.message
    else:
        assert isinstance(answer, Reply)


async def _pending_checkin(ctx: Context, actor: Actor) -> int:
    async with ctx.acting(actor) as (session, scope):
        row = await add_checkin(
            session,
            workspace_id=scope.workspace_id,
            member_id=scope.member_id,
            channel="C0FORUM",
            thread=None,
            prompt="What matters most to you about how we work together?",
            now=ctx.clock(),
        )
    return row.id


@FORGED
@given(
    view=ANY_VALUE,
    extra=st.dictionaries(st.text(max_size=8), ANY_VALUE, max_size=2),
    sharing=st.sampled_from(Sharing),
)
async def test_a_forged_view_gets_a_reply_or_field_errors(
    ctx: Context, actor: Actor, view: object, extra: dict[str, object], sharing: Sharing
) -> None:
    checkin_id = await _pending_checkin(ctx, actor)
    state = VIEW_STATE.encode(ViewState(checkin_id=checkin_id, sharing=sharing))
    action = Action(action_id=VIEW_FORM, value=state, values=_values("view", view, extra))
    await _submit(ctx, actor, action)


@FORGED
@given(
    profession=st.one_of(ANY_VALUE, st.sampled_from(PROFESSION_IDS)),
    extra=st.dictionaries(st.text(max_size=8), ANY_VALUE, max_size=2),
)
async def test_a_forged_profile_gets_a_reply_or_field_errors(
    ctx: Context, actor: Actor, profession: object, extra: dict[str, object]
) -> None:
    action = Action(action_id=SAVE, values=_values("profession", profession, extra))
    await _submit(ctx, actor, action)


async def test_a_view_too_long_or_naming_a_patient_is_refused_beside_the_field(
    ctx: Context, actor: Actor
) -> None:
    state = VIEW_STATE.encode(
        ViewState(checkin_id=await _pending_checkin(ctx, actor), sharing=Sharing.NAMED)
    )
    for view, says in (
        ("x" * 2001, "under 2,000 characters"),
        ("Patient 943 476 5919 taught me this", "NHS number"),
        ("   ", "Write your view, or close this to leave it."),
    ):
        action = Action(action_id=VIEW_FORM, value=state, values=MappingProxyType({"view": view}))
        with pytest.raises(Invalid) as refused:
            await handle_action(ctx=ctx, actor=actor, action=action)
        assert says in refused.value.errors["view"]
