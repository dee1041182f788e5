"""A channel of people with professions and some contributions, for the room tests."""

from __future__ import annotations

from handlers import Actor, Context, Platform, handle_text
from handlers.facilitation.participation import record_contribution
from storage.participation import MESSAGE, sync_channel

# user: (what they type after `/ccpl profile`, or None; whether they spoke)
PEOPLE: dict[str, tuple[str | None, bool]] = {
    "UNURSE1": ("nurse", True),
    "UNURSE2": ("Nurses", False),
    "UGP1": ("gp", True),
    "UPHARM1": ("pharmacist", False),
    "UPHARM2": ("pharmacists", False),
    "UNOTSET": (None, True),
}


async def seed_room(
    ctx: Context,
    *,
    team: str,
    channel: str,
    people: dict[str, tuple[str | None, bool]] = PEOPLE,
    set_profiles: bool = True,
) -> None:
    """Members as the platform lists them, their own profiles, and today's messages."""
    first = Actor(platform=Platform.SLACK, workspace=team, user=next(iter(people)))
    async with ctx.acting(first) as (session, scope):
        await sync_channel(
            session,
            workspace_id=scope.workspace_id,
            channel=channel,
            users=list(people),
            now=ctx.clock(),
        )
    for user, (profession, spoke) in people.items():
        actor = Actor(platform=Platform.SLACK, workspace=team, user=user, channel=channel)
        if profession and set_profiles:
            await handle_text(ctx=ctx, actor=actor, text=f"profile {profession}")
        if spoke:
            assert await record_contribution(ctx=ctx, actor=actor, kind=MESSAGE)
