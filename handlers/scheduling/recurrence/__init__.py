"""Repeating schedules for forums, journal clubs and meetings.

Facilitators type a schedule the way they would say it ("first Tuesday of the month
at 12:30") or paste an RFC 5545 RRULE. Either way we keep one RRULE string, expanded
by dateutil in local wall-clock time and only then pinned to instants with zoneinfo,
so "12:30" stays 12:30 through the clocks changing and a clock change never loses or
doubles a post.

Pure and synchronous: no I/O, no clock, no chat SDK, no scheduler. `phrases` reads
words, `rrule` reads pasted rules, `describe` words the result, `expand` dates it.
"""

from __future__ import annotations

from handlers.scheduling.recurrence.describe import format_preview
from handlers.scheduling.recurrence.expand import Recurrence
from handlers.scheduling.recurrence.phrases import parse_recurrence
from handlers.scheduling.recurrence.rrule import EXAMPLES, RecurrenceError

__all__ = [
    "EXAMPLES",
    "Recurrence",
    "RecurrenceError",
    "format_preview",
    "parse_recurrence",
]
