"""Who is a facilitator or an admin in Teams: the Entra object ids in CCPL_FACILITATORS
and CCPL_ADMINS.

Teams tells a bot nothing about team owners in a message, and asking Graph
would need more permissions than a learning network bot should hold.
"""

from __future__ import annotations

from handlers import Actor
from handlers.core.roles import ADMIN, FACILITATOR


class TeamsRoles:
    def __init__(
        self, *, facilitators: frozenset[str], admins: frozenset[str] = frozenset()
    ) -> None:
        # Entra object ids are GUIDs, which people copy in either case.
        self.facilitators = frozenset(f.lower() for f in facilitators)
        self.admins = frozenset(a.lower() for a in admins)

    async def __call__(self, actor: Actor) -> frozenset[str]:
        user = actor.user.lower()
        if user in self.admins:
            return actor.roles | {ADMIN, FACILITATOR}
        if user in self.facilitators:
            return actor.roles | {FACILITATOR}
        return actor.roles
