"""Meeting agreements: recorded after a meeting, shown again before the next one."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.core.context import Context
from handlers.core.errors import NotFound
from handlers.core.forms import validate
from handlers.core.model import Actor, Field, FieldKind, FieldValue, Form, Reply
from handlers.core.registry import action
from handlers.scheduling.outbox import RECORD_AGREEMENTS
from handlers.scheduling.payloads import OCCURRENCE, Occurrence
from storage.schedules import record_agreements

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


@action(RECORD_AGREEMENTS, codec=OCCURRENCE)
async def open_agreements_form(
    *, ctx: Context, actor: Actor, payload: Occurrence, values: Mapping[str, FieldValue]
) -> Reply:
    """The button under a meeting's wrap-up post: the form for what was agreed."""
    return Reply(text="Opening the agreements form", form=agreements_form(occurrence=payload))


@action(SAVE, codec=OCCURRENCE)
async def save(
    *, ctx: Context, actor: Actor, payload: Occurrence, values: Mapping[str, FieldValue]
) -> Reply:
    """Keep each agreement written; the next meeting's opening post shows them."""
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
