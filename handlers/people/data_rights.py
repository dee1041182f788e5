"""A person's own data: a copy of everything, and erasure."""

from __future__ import annotations

import json
from collections.abc import Mapping

from handlers.core.context import Context
from handlers.core.model import Actor, Attachment, Button, Delivery, FieldValue, Reply, Section
from handlers.core.payloads import NONE
from handlers.core.registry import action, command
from storage.people import forget_member, member_data

FORGET_CONFIRMED = "privacy.forget.confirmed"


@command(
    name="my-data",
    aliases=("mydata",),
    usage="my-data",
    summary="a copy of everything the bot holds about you",
    slow=True,
    order=90,
)
async def my_data(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Everything the bot holds about the person, as JSON, by DM."""
    async with ctx.acting(actor) as (session, scope):
        data = await member_data(session, scope=scope)
    content = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()
    counts = ", ".join(
        f"{name.replace('_', ' ')}: {len(rows)}"
        for name, rows in data.items()
        if isinstance(rows, list)
    )
    return Reply(
        text="Everything I hold about you",
        sections=(
            Section(
                heading="Everything I hold about you",
                text=f"Attached as JSON. In short: {counts}.",
                note="I never store the text of your channel messages. "
                "`/ccpl forget-me` erases all of this.",
            ),
        ),
        attachments=(
            Attachment(filename="my-ccpl-data.json", content=content, title="My CCPL data (JSON)"),
        ),
        delivery=Delivery.DM,
    )


@command(
    name="forget-me",
    aliases=("forgetme",),
    usage="forget-me",
    summary="erase everything the bot holds about you",
    order=100,
)
async def forget_me(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """Ask first: erasure cannot be undone."""
    return Reply(
        text="Erase everything I hold about you?",
        sections=(
            Section(
                heading="Erase everything I hold about you?",
                text="This deletes your reflections (private and shared), your tip history "
                "and every other record of you here. It cannot be undone. Posts already "
                "shared anonymously stay in their channels, with no name on them.\n"
                "Want a copy first? `/ccpl export` or `/ccpl my-data`.",
                buttons=(
                    Button(action_id=FORGET_CONFIRMED, label="Yes, erase my data", style="danger"),
                ),
            ),
        ),
    )


@action(FORGET_CONFIRMED, codec=NONE)
async def forget_confirmed(
    *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
) -> Reply:
    """Erase the person's data once they have confirmed."""
    async with ctx.acting(actor) as (session, scope):
        removed = await forget_member(session, scope=scope)
    return Reply(
        text=f"Done. I erased everything I held about you ({removed} records).",
    )
