"""Meeting agreements: recorded after a meeting, shown again before the next one."""

from __future__ import annotations

from datetime import datetime

from handlers.core.context import Context
from handlers.core.errors import Invalid, NotFound
from handlers.core.model import Action, Actor, Field, FieldKind, Form, Reply
from handlers.core.pii import find_pii, pii_message
from handlers.scheduling.outbox import RECORD_AGREEMENTS
from storage.schedules import add_agreement, get_schedule

SAVE = "meeting.agreements.save"
LINES = 5


def agreements_form(*, state: str) -> Form:
    return Form(
        form_id=SAVE,
        title="What we agreed",
        submit="Save",
        state=state,
        intro="One agreement per box: **who** will do **what**, by **when**.",
        fields=(
            *(
                Field(id=f"item{n}", label=f"Agreement {n}", required=n == 1, max_length=500)
                for n in range(1, LINES + 1)
            ),
            Field(id="notes", label="Anything else", kind=FieldKind.MULTILINE, max_length=1000),
        ),
    )


async def save(*, ctx: Context, actor: Actor, action: Action) -> Reply:
    raw_id, _, occurrence = action.value.partition("|")
    try:
        meeting_at = datetime.fromisoformat(occurrence)
    except ValueError:
        raise NotFound("That form is out of date.") from None
    items = {f"item{n}": action.text(f"item{n}") for n in range(1, LINES + 1)}
    items["notes"] = action.text("notes")
    errors = {}
    for field_id, text in items.items():
        findings = find_pii(text=text, today=ctx.clock().date())
        if findings:
            errors[field_id] = pii_message(findings=findings)
    if not items["item1"]:
        errors["item1"] = "Write at least one agreement."
    if errors:
        raise Invalid("Some answers need another look.", errors=errors)
    async with ctx.acting(actor) as (session, scope):
        schedule = await get_schedule(
            session,
            workspace_id=scope.workspace_id,
            schedule_id=int(raw_id) if raw_id.isdigit() else -1,
        )
        if schedule is None:
            raise NotFound("That meeting is no longer scheduled.")
        kept = [text for text in items.values() if text]
        for text in kept:
            await add_agreement(
                session, schedule=schedule, meeting_at=meeting_at, text=text, now=ctx.clock()
            )
    return Reply(text=f"Recorded {len(kept)} agreement(s); I'll show them before the next one.")


async def on_action(*, ctx: Context, actor: Actor, action: Action) -> Reply | None:
    if action.action_id == RECORD_AGREEMENTS:
        return Reply(text="Opening the agreements form", form=agreements_form(state=action.value))
    if action.action_id == SAVE:
        return await save(ctx=ctx, actor=actor, action=action)
    return None
