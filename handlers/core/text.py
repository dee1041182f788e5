"""Small text helpers every feature shares: times as people read them, and text
that leaves the bot in files people open elsewhere, made safe there."""

from __future__ import annotations

from datetime import datetime

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(cell: str) -> str:
    """Prefix an apostrophe so a spreadsheet shows the text instead of running it."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def local(when: datetime) -> str:
    """How a time reads to people: 'Tue 3 Nov 2026, 12:30 GMT'."""
    return when.strftime("%a %-d %b %Y, %H:%M %Z")


def whole_number(word: str, *, most: int = 1_000_000) -> int | None:
    """A number typed as plain digits, or None.

    `str.isdigit` accepts superscripts and other scripts' digits that `int` refuses,
    and a long run of digits overflows the database's integers: neither is a number
    anyone means here, so both read as no number at all.
    """
    if not (word.isascii() and word.isdigit()) or len(word) > len(str(most)):
        return None
    value = int(word)
    return value if value <= most else None
