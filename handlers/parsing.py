"""Turning what a person typed into a `Command`, forgivingly."""

from __future__ import annotations

import difflib
import re

from handlers.model import Command

COMMAND_WORDS = (
    "tip",
    "resources",
    "principles",
    "lessons",
    "case",
    "reflect",
    "reflections",
    "export",
    "my-data",
    "forget-me",
    "forum",
    "lunch",
    "meeting",
    "pause",
    "resume",
    "quiet",
    "quiet-hours",
    "privacy",
    "check-in",
    "facilitators",
    "audit",
    "poll",
    "profile",
    "room",
    "help",
)

# Plurals, singulars and near synonyms people reach for first.
ALIASES = {
    "tips": "tip",
    "resource": "resources",
    "principle": "principles",
    "lesson": "lessons",
    "cases": "case",
    "case-study": "case",
    "case-studies": "case",
    "casestudy": "case",
    "reflection": "reflect",
    "note": "reflect",
    "mydata": "my-data",
    "forgetme": "forget-me",
    "forums": "forum",
    "journal": "forum",
    "lunch-and-learn": "lunch",
    "meetings": "meeting",
    "checkin": "check-in",
    "check-ins": "check-in",
    "checkins": "check-in",
    "facilitator": "facilitators",
    "quiethours": "quiet-hours",
    "polls": "poll",
    "profession": "profile",
    "professions": "profile",
    "whos-in-the-room": "room",
    "?": "help",
    "hi": "help",
    "hello": "help",
}

_PREFIX = re.compile(r"^\s*(/ccpl\b|<@[A-Z0-9]+>|@ccpl\b)\s*", re.IGNORECASE)


def parse(*, text: str) -> Command:
    """Split typed text into a command name and its words.

    An unknown first word is kept as the name, so the help reply can say what
    it did not understand and suggest the nearest command.
    """
    cleaned = _PREFIX.sub("", text.strip(), count=1).strip()
    words = cleaned.split()
    if not words:
        return Command(name="help", text=cleaned)
    first = words[0].lower()
    name = ALIASES.get(first, first)
    return Command(name=name, args=tuple(words[1:]), text=cleaned)


def suggest(*, word: str) -> str | None:
    """The command a mistyped word most likely meant, if any is close."""
    candidates = [*COMMAND_WORDS, *ALIASES]
    match = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return ALIASES.get(match[0], match[0]) if match else None
