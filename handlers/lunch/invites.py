"""Calendar invites (RFC 5545) for sessions people say they are going to."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event


def session_invite(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    minutes: int,
    location: str,
    stamp: datetime,
    cancelled: bool = False,
) -> bytes:
    """One VEVENT in UTC; a stable UID lets calendars replace it if it changes or is cancelled."""
    calendar = Calendar()
    calendar.add("prodid", "-//ccpl-bot//Lunch and learn//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=minutes))
    event.add("summary", title)
    event.add("description", description)
    event.add("location", location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
