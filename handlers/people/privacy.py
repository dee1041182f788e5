"""`/ccpl privacy`: what is counted about me, and switches to stop it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from handlers.core.context import Context
from handlers.core.model import Actor, Button, FieldValue, Reply, Section
from handlers.core.payloads import NONE
from handlers.core.registry import action, command
from storage.participation import own_counts, set_counting
from storage.people import consents, set_checkins_opt_out

COUNT_ME = "privacy.count"
STOP_COUNTING = "privacy.stop"
CHECKINS_ON = "privacy.checkins_on"
CHECKINS_OFF = "privacy.checkins_off"
WINDOW_DAYS = 90


@command(
    name="privacy",
    usage="privacy",
    summary="what is counted about you; stop counting or check-ins",
    order=160,
)
async def privacy(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Show a member their own counts, what is and is not stored, and the switches."""
    today = ctx.clock().astimezone(ctx.timezone).date()
    async with ctx.acting(actor) as (session, scope):
        allowed = await consents(session, scope=scope)
        counted, checkins = allowed.counted, allowed.checkins
        mine = await own_counts(session, scope=scope, since=today - timedelta(days=WINDOW_DAYS))
    if not counted:
        counts = "You have opted out: nothing you do is counted, and earlier counts were erased."
    elif not mine:
        counts = f"Nothing counted in the last {WINDOW_DAYS} days."
    else:
        counts = "\n".join(
            f"• <#{c.channel}>: {c.messages} messages, {c.replies} thread replies, "
            f"{c.reactions} reactions (last on {c.last_day:%-d %b})"
            for c in mine
        )
    what = (
        "In channels the bot is in, it counts messages, thread replies and reactions per "
        "person, channel and day, so facilitators can notice who has gone quiet and invite "
        "their view. It never stores what anyone wrote. Only you see these numbers; "
        "facilitators see only whether someone has contributed lately."
    )
    switches = (
        Button(action_id=STOP_COUNTING, label="Stop counting me", style="danger")
        if counted
        else Button(action_id=COUNT_ME, label="Count me again"),
        Button(action_id=CHECKINS_OFF, label="No check-in messages")
        if checkins
        else Button(action_id=CHECKINS_ON, label="Allow check-in messages"),
    )
    checkin_text = (
        "Facilitators may send you a one-to-one invitation to share your view, "
        "at most once in 30 days."
        if checkins
        else "You have asked not to receive check-in invitations."
    )
    return Reply(
        text="What the bot counts about you.",
        sections=(
            Section(heading=f"Your counts, last {WINDOW_DAYS} days", text=counts),
            Section(heading="What is counted", text=what),
            Section(heading="Check-ins", text=checkin_text, buttons=switches),
            Section(heading="How long things are kept", text="\n".join(ctx.retention.lines())),
        ),
    )


@action(STOP_COUNTING, codec=NONE)
async def stop_counting(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """Stop counting the person and erase what was counted."""
    async with ctx.acting(actor) as (session, scope):
        erased = await set_counting(session, scope=scope, counted=False)
    return Reply(
        text=f"Done: you are no longer counted, and {erased} earlier day(s) of counts "
        "were erased. You won't appear in quiet reports."
    )


@action(COUNT_ME, codec=NONE)
async def count_me(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        await set_counting(session, scope=scope, counted=True)
    return Reply(text="Thank you: your contributions are counted again from now on.")


@action(CHECKINS_OFF, codec=NONE)
async def checkins_off(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        await set_checkins_opt_out(session, scope=scope, opted_out=True)
    return Reply(text="Done: no check-in invitations will be sent to you.")


@action(CHECKINS_ON, codec=NONE)
async def checkins_on(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    async with ctx.acting(actor) as (session, scope):
        await set_checkins_opt_out(session, scope=scope, opted_out=False)
    return Reply(text="Done: facilitators may invite your view again, at most once a month.")
