"""Meeting agreements: recorded after a meeting, shown again before the next one."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.core.context import Context
from handlers.core.errors import NotAllowed, NotFound
from handlers.core.forms import validate
from handlers.core.membership import Membership, channel_membership
from handlers.core.model import Actor, Field, FieldKind, FieldValue, Form, Reply
from handlers.core.registry import action
from handlers.core.roles import is_facilitator
from handlers.scheduling.outbox import RECORD_AGREEMENTS
from handlers.scheduling.payloads import OCCURRENCE, Occurrence
from storage.schedules import get_schedule, record_agreements, set_up_by

SAVE = "meeting.agreements.save"
LINES = 5


def agreements_form(*, occurrence: Occurrence) -> Form:
    return Form(
        form_id=SAVE,
        title="What we agreed",
        submit="Save",
        state=OCCURRENCE.encode(occurrence),
        intro="One agreement per box: **who** will do **what**, by **when**.",
        fields=(
            *(
                Field(
                    id=f"item{n}",
                    label=f"Agreement {n}",
                    required=n == 1,
                    max_length=500,
                    guarded=True,
                    required_message="Write at least one agreement.",
                )
                for n in range(1, LINES + 1)
            ),
            Field(
                id="notes",
                label="Anything else",
                kind=FieldKind.MULTILINE,
                max_length=1000,
                guarded=True,
            ),
        ),
    )


async def may_record(*, ctx: Context, actor: Actor, schedule_id: int) -> None:
    """Agreements are for the members of the meeting's channel, by the bot's directory.

    The button's value comes back from the client, so the meeting it names is
    checked here. Where the bot knows nobody in that channel (it cannot read
    the members), only the person who set the meeting up or a facilitator may
    record them.
    """
    async with ctx.acting(actor) as (session, scope):
        found = await get_schedule(
            session, workspace_id=scope.workspace_id, schedule_id=schedule_id
        )
        if found is None:
            raise NotFound("That meeting is no longer scheduled.")
        channel, owner = found.channel, set_up_by(schedule=found, scope=scope)
    membership = await channel_membership(ctx=ctx, actor=actor, channel=channel)
    if membership is Membership.MEMBER:
        return
    if membership is Membership.UNKNOWN:
        if owner or await is_facilitator(ctx=ctx, actor=actor):
            return
        raise NotAllowed(
            "I can't see who is in this meeting's channel, so its agreements can be "
            "recorded by the person who set it up or a facilitator. Could you ask them?"
        )
    raise NotAllowed(
        "Agreements are recorded by members of the meeting's channel. If you have just "
        "joined it, please try again in a minute."
    )


@action(RECORD_AGREEMENTS, codec=OCCURRENCE)
async def open_agreements_form(
    *, ctx: Context, actor: Actor, payload: Occurrence, values: Mapping[str, FieldValue]
) -> Reply:
    """The button under a meeting's wrap-up post: the form for what was agreed."""
    await may_record(ctx=ctx, actor=actor, schedule_id=payload.schedule_id)
    return Reply(text="Opening the agreements form", form=agreements_form(occurrence=payload))


@action(SAVE, codec=OCCURRENCE)
async def save(
    *, ctx: Context, actor: Actor, payload: Occurrence, values: Mapping[str, FieldValue]
) -> Reply:
    """Keep each agreement written; the next meeting's opening post shows them."""
    await may_record(ctx=ctx, actor=actor, schedule_id=payload.schedule_id)
    form = agreements_form(occurrence=payload)
    answers = validate(form=form, values=values, today=ctx.clock().date())
    kept = [text for field in form.fields if (text := answers.text(field.id))]
    async with ctx.acting(actor) as (session, scope):
        recorded = await record_agreements(
            session,
            scope=scope,
            schedule_id=payload.schedule_id,
            meeting_at=payload.at,
            texts=kept,
            now=ctx.clock(),
        )
    if not recorded:
        raise NotFound("That meeting is no longer scheduled.")
    return Reply(text=f"Recorded {len(kept)} agreement(s); I'll show them before the next one.")
