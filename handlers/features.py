"""Every feature package, imported once so each declares its commands and actions.

The registry fills as these modules load; adapters import `handlers`, which
imports this module, so a process never sees a half-declared registry.
"""

from __future__ import annotations

from handlers.core import dispatch, help  # noqa: F401  (help and help.run)
from handlers.core.registry import REGISTRY
from handlers.facilitation import checkins, profile, quiet, room
from handlers.library import catalogue, tips  # noqa: F401
from handlers.lunch import commands as lunch  # noqa: F401
from handlers.people import data_rights, facilitators, nudges, privacy  # noqa: F401
from handlers.polls import commands as polls
from handlers.reflections import commands as reflections
from handlers.scheduling import forums, meetings  # noqa: F401

# TRANSITIONAL: routes that still read their own action ids.
for route in (
    reflections.on_action,
    data_rights.on_action,
    facilitators.on_action,
    checkins.on_action,
    privacy.on_action,
    polls.on_action,
    profile.on_action,
):
    REGISTRY.add_fallback(route)

__all__ = ["quiet", "room"]
