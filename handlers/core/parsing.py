"""Turning what a person typed into a `Command`, forgivingly.

The words come from the registry, so a command declared in a feature package is
understood (and suggested for typos) without being listed here.
"""

from __future__ import annotations

import difflib
import re

from handlers.core.model import Command
from handlers.core.registry import REGISTRY, Registry

_PREFIX = re.compile(r"^\s*(/ccpl\b|<@[A-Z0-9]+>|@ccpl\b)\s*", re.IGNORECASE)


def parse(*, text: str, registry: Registry = REGISTRY) -> Command:
    """Split typed text into a command name and its words.

    An unknown first word is kept as the name, so the help reply can say what
    it did not understand and suggest the nearest command.
    """
    cleaned = _PREFIX.sub("", text.strip(), count=1).strip()
    words = cleaned.split()
    if not words:
        return Command(name="help", text=cleaned)
    first = words[0].lower()
    return Command(name=registry.canonical(first), args=tuple(words[1:]), text=cleaned)


def suggest(*, word: str, registry: Registry = REGISTRY) -> str | None:
    """The command a mistyped word most likely meant, if any is close."""
    words = registry.words()
    match = difflib.get_close_matches(word.lower(), list(words), n=1, cutoff=0.6)
    return words[match[0]] if match else None
