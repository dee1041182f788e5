"""Small text helpers every feature shares: times as people read them, and text
that leaves the bot in files people open elsewhere, made safe there."""

from __future__ import annotations

import re
from datetime import datetime

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(cell: str) -> str:
    """Prefix an apostrophe so a spreadsheet shows the text instead of running it."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def local(when: datetime) -> str:
    """How a time reads to people: 'Tue 3 Nov 2026, 12:30 GMT'."""
    return when.strftime("%a %-d %b %Y, %H:%M %Z")


# What our Markdown subset, Slack's mrkdwn or Adaptive Cards' markdown could read as a
# link, a mention, a format or a command in text a person typed. An `_` between two
# letters or digits formats nowhere, so URLs and snake_case keep theirs as they are.
_SPECIAL = re.compile(r"[\\*\[\]<>`~]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)|/(?=ccpl)")
# What starts a list, heading or rule at the start of a line in CommonMark.
_LINE_START = re.compile(r"^([ \t]*)([-+=#])|^([ \t]*\d+)([.)])(?=[ \t]|$)", re.MULTILINE)


def typed(text: str) -> str:
    """Text a person typed, escaped so every renderer shows exactly those characters.

    Member text goes into posts others read; unescaped, `[https://nhs.uk](https://evil)`
    would be a link showing one address and opening another. Headings and button labels
    are shown as plain text already and need no escaping.
    """
    # Markdown ends a line at a lone \r too; one kind of line end keeps `^` honest.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The renderers' place-holder characters are dropped here, before escaping, so
    # dropping them later cannot join "0" and "." into a list marker.
    text = text.replace("\ue000", "").replace("\ue001", "")
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(_line_start, escaped)


def _line_start(match: re.Match[str]) -> str:
    lead, marker = (match[1], match[2]) if match[2] else (match[3], match[4])
    return f"{lead}\\{marker}"


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
