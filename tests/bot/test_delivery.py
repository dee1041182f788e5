"""The one delivery path: what each kind of failure becomes, on every platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import bot.delivery
from bot.delivery import (
    Answered,
    FieldErrors,
    Refused,
    post_follow_ups,
    run_action,
    run_command,
    submit_form,
)
from bot.outage import UNAVAILABLE
from bot.posting import PostFailed
from handlers import Action, Actor, ChannelPost, Context, Delivery, Invalid, NotFound, Reply
from storage import DatabaseUnavailable

FORM = Action(action_id="form", value="", values={})


def _raising(exc: Exception) -> Callable[..., Awaitable[Reply]]:
    async def handler(**_: object) -> Reply:
        raise exc

    return handler


async def test_a_command_answers_and_an_outage_is_the_shared_wording(
    ctx: Context, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered = await run_command(ctx=ctx, actor=actor, text="principles")
    assert isinstance(answered, Answered)
    monkeypatch.setattr(bot.delivery, "handle_text", _raising(DatabaseUnavailable()))
    assert await run_command(ctx=ctx, actor=actor, text="tip") == Refused(
        message=UNAVAILABLE, outage=True
    )


async def test_a_stale_button_is_refused_in_words_for_people(
    ctx: Context, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.delivery, "handle_action", _raising(NotFound("That has gone.")))
    outcome = await run_action(ctx=ctx, actor=actor, action=FORM)
    assert outcome == Refused(message="That has gone.")
    assert outcome.reply == Reply(text="That has gone.")


async def test_form_errors_keep_the_fields_shown_and_a_summary_goes_under_the_first(
    ctx: Context, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = Invalid("Two problems.", errors={"title": "Too long.", "gone": "Not on this form."})
    monkeypatch.setattr(bot.delivery, "handle_action", _raising(both))
    outcome = await submit_form(ctx=ctx, actor=actor, action=FORM, fields=["title", "body"])
    assert outcome == FieldErrors(errors={"title": "Too long."})

    monkeypatch.setattr(bot.delivery, "handle_action", _raising(Invalid("Check the dates.")))
    outcome = await submit_form(ctx=ctx, actor=actor, action=FORM, fields=["title", "body"])
    assert outcome == FieldErrors(errors={"title": "Check the dates."})
    # A form with no fields has nowhere to show it: a plain refusal.
    outcome = await submit_form(ctx=ctx, actor=actor, action=FORM, fields=[])
    assert outcome == Refused(message="Check the dates.")


async def test_an_outage_at_a_form_names_the_button_to_press_again(
    ctx: Context, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.delivery, "handle_action", _raising(DatabaseUnavailable()))
    outcome = await submit_form(ctx=ctx, actor=actor, action=FORM, fields=["title"])
    assert isinstance(outcome, Refused) and outcome.outage
    assert outcome.on_form(first="title", unavailable_form="Press Save.") == {
        "title": "Press Save."
    }
    assert Refused(message="No.").on_form(first="title", unavailable_form="Press Save.") == {
        "title": "No."
    }


class Recorder:
    def __init__(self) -> None:
        self.posts: list[tuple[str, bool, str | None, str | None]] = []

    async def post(
        self,
        *,
        target: str,
        reply: Reply,
        direct: bool,
        update: str | None = None,
        pin: bool = False,
        thread: str | None = None,
    ) -> str | None:
        if target == "C0GONE":
            raise PostFailed("channel_not_found", permanent=True)
        self.posts.append((target, direct, update, thread))
        return "1.2"


async def test_follow_ups_go_in_order_and_one_failing_does_not_stop_the_rest() -> None:
    reply = Reply(
        text="Done.",
        also_post=(
            ChannelPost(channel="C0GONE", reply=Reply(text="lost")),
            ChannelPost(channel="C0FORUM", reply=Reply(text="view"), thread="9.9"),
            ChannelPost(channel="U0ANN", reply=Reply(text="hi", delivery=Delivery.DM)),
            ChannelPost(channel="C0FORUM", reply=Reply(text="tally"), update="1.1"),
        ),
    )
    poster = Recorder()
    await post_follow_ups(poster=poster, reply=reply)
    assert poster.posts == [
        ("C0FORUM", False, None, "9.9"),
        ("U0ANN", True, None, None),
        ("C0FORUM", False, "1.1", None),
    ]
