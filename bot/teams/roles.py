"""Who is a facilitator in Teams: the Entra object ids listed in CCPL_FACILITATORS.

Teams tells a bot nothing about team owners in a message, and asking Graph
would need more permissions than a learning network bot should hold.
"""

from __future__ import annotations

from handlers import Actor
from handlers.roles import FACILITATOR


class TeamsRoles:
    def __init__(self, *, facilitators: frozenset[str]) -> None:
        self.facilitators = frozenset(f.lower() for f in facilitators)

    async def __call__(self, actor: Actor) -> frozenset[str]:
        # Entra object ids are GUIDs, which people copy in either case.
        if actor.user.lower() in self.facilitators:
            return actor.roles | {FACILITATOR}
        return actor.roles
