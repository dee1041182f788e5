"""Spot patient-identifiable details in a reflection before it is saved.

Reflections are private CPD notes, but they must never hold details that
identify a patient or service user. This module finds the structured
identifiers that can be recognised reliably (NHS numbers, UK phone numbers,
postcodes, dates of birth and email addresses) so the form can ask the member
to remove them. It cannot recognise names, addresses without a postcode,
hospital or other local numbers, or a person described in free text, so it is
a safety net, not a guarantee.

Pure and synchronous: no I/O, no platform SDKs.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.gb import nhs

PiiKind = Literal["nhs_number", "phone", "postcode", "date_of_birth", "email"]

# When two findings overlap, the earlier kind here wins: an NHS number is the
# most specific explanation of a run of digits, a postcode the least.
_PRIORITY: tuple[PiiKind, ...] = ("nhs_number", "date_of_birth", "phone", "email", "postcode")

_NAMES: dict[PiiKind, str] = {
    "nhs_number": "an NHS number",
    "phone": "a phone number",
    "postcode": "a postcode",
    "date_of_birth": "a date of birth",
    "email": "an email address",
}

# Slack cuts long field errors; stay under this where the wording allows.
_MESSAGE_LIMIT = 150


@dataclass(frozen=True, kw_only=True, slots=True)
class PiiFinding:
    """One identifier found; offsets let a UI highlight it without copying it."""

    kind: PiiKind
    start: int
    end: int


def find_pii(*, text: str, today: datetime.date) -> list[PiiFinding]:
    """Find identifiers in `text`, in order of position and never overlapping.

    `today` decides which full dates are old enough to be taken for a date of
    birth, so results do not depend on the clock.
    """
    nhs_numbers = list(_nhs_numbers(text))
    dates = list(_dates_of_birth(text, today))
    # Blank out what is already explained so the phone matcher neither reads
    # an NHS number as a phone number nor glues it onto a phone number beside it.
    masked = text
    for found in (*nhs_numbers, *dates):
        masked = masked[: found.start] + "#" * (found.end - found.start) + masked[found.end :]
    candidates = [
        *nhs_numbers,
        *dates,
        *_phones(masked),
        *_matches(_EMAIL, text, "email"),
        *_postcodes(text),
    ]
    candidates.sort(key=lambda f: (_PRIORITY.index(f.kind), f.start, f.start - f.end))
    chosen: list[PiiFinding] = []
    for candidate in candidates:
        if all(candidate.end <= c.start or c.end <= candidate.start for c in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda f: f.start)


def pii_message(*, findings: Sequence[PiiFinding]) -> str:
    """The form's field error: names each kind found, never the identifier itself.

    The message can end up in logs or on other screens, so it must not repeat
    what it is warning about.
    """
    if not findings:
        raise ValueError("pii_message needs at least one finding")
    kinds = list(dict.fromkeys(f.kind for f in findings))
    names = [_NAMES[k] for k in kinds]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    full = (
        f"This looks like {listed}. Please remove patient-identifiable details; "
        "your text is kept so you can edit it."
    )
    if len(full) < _MESSAGE_LIMIT:
        return full
    return f"This looks like {listed}. Please remove patient details; your text is kept."


# --- NHS numbers -----------------------------------------------------------

# Scottish CHI and Northern Irish H&C numbers share the format and modulus 11
# check, so they are caught too. Neighbouring digits mean some longer number.
_NHS = re.compile(r"(?<![0-9])[0-9]{3}[ \u00a0-]?[0-9]{3}[ \u00a0-]?[0-9]{4}(?![0-9])")


def _nhs_numbers(text: str) -> Iterator[PiiFinding]:
    # The check digit keeps ordinary ten-digit numbers (and typos) out.
    for match in _NHS.finditer(text):
        if nhs.is_valid(re.sub(r"[^0-9]", "", match.group())):
            yield PiiFinding(kind="nhs_number", start=match.start(), end=match.end())


# --- Phone numbers ---------------------------------------------------------

# Without a trunk or country prefix, ten bare digits are more likely some
# other number (such as a mistyped NHS number) than a phone number.
_PHONE_PREFIXES = ("0", "+44", "(0", "(+44")


def _phones(text: str) -> Iterator[PiiFinding]:
    """UK-style phone numbers, as libphonenumber reads them.

    Numbers libphonenumber calls valid are taken, and so is any other UK number
    of the usual length (0 and ten digits): those include new ranges and the
    Ofcom drama ranges (07700 900xxx, 01632 960xxx) the library rejects, while
    shorter runs such as dates and reference numbers stay out.
    """
    for leniency in (Leniency.VALID, Leniency.POSSIBLE):
        for match in PhoneNumberMatcher(text, "GB", leniency=leniency):
            number = match.number
            if not match.raw_string.startswith(_PHONE_PREFIXES):
                continue
            usual_uk = (
                number.country_code == 44
                and len(phonenumbers.national_significant_number(number)) == 10
            )
            if phonenumbers.is_valid_number(number) or usual_uk:
                yield PiiFinding(kind="phone", start=match.start, end=match.end)


# --- Postcodes and emails --------------------------------------------------

# The standard UK shape; the inward code never uses C, I, K, M, O or V.
_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|"
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r"\s?[0-9][ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
# "B2 1st floor" has a postcode's shape; a real postcode would be in capitals.
_ORDINAL = re.compile(r"[0-9](?:st|nd|rd|th)")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def _postcodes(text: str) -> Iterator[PiiFinding]:
    for match in _POSTCODE.finditer(text):
        if not _ORDINAL.fullmatch(match.group()[-3:]):
            yield PiiFinding(kind="postcode", start=match.start(), end=match.end())


def _matches(pattern: re.Pattern[str], text: str, kind: PiiKind) -> Iterator[PiiFinding]:
    for match in pattern.finditer(text):
        yield PiiFinding(kind=kind, start=match.start(), end=match.end())


# --- Dates of birth --------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"
# Month names need a four-digit year: in "12 March 35 hours" the 35 is not one.
_DATE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?<![0-9])(?<![0-9][/.-])(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
        r"(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})(?![0-9])(?![/.-][0-9])",
        r"(?<![0-9])(?<![0-9][/.-])(?P<year>[0-9]{4})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
        r"(?P=sep)(?P<day>[0-9]{1,2})(?![0-9])(?![/.-][0-9])",
        rf"\b{_DAY}[\s-]+(?:of\s+)?{_MONTH}[\s,-]+(?P<year>[0-9]{{4}})\b",
        rf"\b{_MONTH}\s+{_DAY},?\s+(?P<year>[0-9]{{4}})\b",
    )
)
_BIRTH_CUE = re.compile(
    r"(?<![a-z])(?:d\.?\s?o\.?\s?b|date\s+of\s+birth|birth\s?date|birthday|born)(?![a-z])",
    re.IGNORECASE,
)
_CUE_WINDOW = 30
# A date this far back in a CPD reflection is most likely someone's birth date.
_ADULT_YEARS = 16
# Older than any living person: a historical date, not a birth date.
_LIFESPAN_YEARS = 120


def _dates_of_birth(text: str, today: datetime.date) -> Iterator[PiiFinding]:
    adult_cutoff = _years_before(today, _ADULT_YEARS)
    oldest = _years_before(today, _LIFESPAN_YEARS)
    seen: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            when = _parse_date(match, today)
            if when is None or any(s < match.end() and match.start() < e for s, e in seen):
                continue
            seen.append((match.start(), match.end()))
            cued = _BIRTH_CUE.search(text, max(0, match.start() - _CUE_WINDOW), match.start())
            if cued or oldest <= when <= adult_cutoff:
                yield PiiFinding(kind="date_of_birth", start=match.start(), end=match.end())


def _parse_date(match: re.Match[str], today: datetime.date) -> datetime.date | None:
    """The date a match names, or None if there is no such day (31/02/1990)."""
    month_text = match["month"].lower()
    month = _MONTHS[month_text] if month_text in _MONTHS else int(month_text)
    day, year_text = int(match["day"]), match["year"]
    year = int(year_text)
    if len(year_text) == 2:
        # The most recent year ending in these digits that is not in the future.
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none.
        return day.replace(year=day.year - years, day=28)
