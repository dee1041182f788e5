"""Lunch-and-learn sessions: the form, RSVP with capacity and waitlist, calendar
invites, attendance and the reflection afterwards."""
