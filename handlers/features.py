"""Every feature package, imported once so each declares its commands and actions.

The registry fills as these modules load; adapters import `handlers`, which
imports this module, so a process never sees a half-declared registry.
"""

from __future__ import annotations

from handlers.core import dispatch, help  # noqa: F401  (help and help.run)
from handlers.facilitation import checkins, profile, quiet, room
from handlers.facilitation import outbox as _facilitation_outbox  # noqa: F401
from handlers.library import catalogue, tips  # noqa: F401
from handlers.lunch import commands as lunch  # noqa: F401
from handlers.lunch import outbox as _lunch_outbox  # noqa: F401
from handlers.people import data_rights, facilitators, nudges, organisation, privacy  # noqa: F401
from handlers.polls import commands as polls
from handlers.polls import outbox as _polls_outbox  # noqa: F401
from handlers.reflections import commands as reflections  # noqa: F401
from handlers.reflections import cpd  # noqa: F401
from handlers.scheduling import forums, meetings  # noqa: F401
from handlers.scheduling import outbox as _scheduling_outbox  # noqa: F401

__all__ = ["checkins", "polls", "profile", "quiet", "room"]
