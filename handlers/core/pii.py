"""Spot patient-identifiable details in a reflection before it is saved.

Reflections are private CPD notes, but they must never hold details that
identify a patient or service user. This module finds the structured
identifiers that can be recognised reliably (NHS numbers in any grouping,
UK phone numbers, postcodes in any case, dates of birth and email addresses,
also spelled out as "[at]" and "[dot]") so the form can ask the member to
remove them. A date counts as a date of birth only with a cue ("DOB", "born")
or beside another identifier, because revalidation text is full of
registration, qualification and historical dates.

It cannot recognise names, addresses without a postcode, hospital or other
local numbers, a date of birth written without a cue and on its own, or a
person described in free text, so it is a safety net, not a guarantee.
`tests/handlers/test_pii_corpus.py` measures it.

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
_MONTH_NAMES = sorted(_MONTHS, key=len, reverse=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class PiiFinding:
    """One identifier found; offsets let a UI highlight it without copying it."""

    kind: PiiKind
    start: int
    end: int


def find_pii(*, text: str, today: datetime.date) -> list[PiiFinding]:
    """Find identifiers in `text`, in order of position and never overlapping.

    `today` decides which dates a living person could have been born on, so
    results do not depend on the clock.
    """
    nhs_numbers = list(_nhs_numbers(text))
    dates = list(_dates(text, today))
    # Blank out what is already explained so the phone matcher neither reads
    # an NHS number or a date as a phone number nor glues it onto one beside it.
    masked = text
    for found in (*nhs_numbers, *(d for d, _, _ in dates)):
        masked = masked[: found.start] + "#" * (found.end - found.start) + masked[found.end :]
    others = [*nhs_numbers, *_phones(masked), *_emails(text), *_postcodes(text)]
    births = [d for d, alive, cued in dates if alive and (cued or _beside(d, others))]
    candidates = [*births, *others]
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

# Runs of digit groups joined by a space, dot, slash or hyphen: "943 476 5919",
# "9434 765 919", "943.476.5919", "943 / 476 / 5919". Scottish CHI and Northern
# Irish H&C numbers share the format and modulus 11 check, so they are caught too.
_SEPARATOR = r"(?:[ \u00a0]{1,2}|[ \u00a0]?[./-][ \u00a0]?)"
_DIGIT_RUN = re.compile(rf"(?<![0-9A-Za-z])[0-9]+(?:{_SEPARATOR}[0-9]+)*(?![0-9A-Za-z])")
_NHS_LENGTH = 10
# ISBN-10 uses the same modulus 11 check, so a cited book would pass as an NHS number.
_ISBN_CUE = re.compile(r"isbn(?:-?10)?[\s:]*$", re.IGNORECASE)
_COUNTRY_CODE = re.compile(r"(?:\+|\b00)44[\s-]*(?:\(0\)[\s-]*)?$")


def _nhs_numbers(text: str) -> Iterator[PiiFinding]:
    """Ten digits that pass the check digit, in any grouping of two or more digits.

    A hyphenated ISBN-10 always ends in a one-digit group, so a single-digit
    group rules a candidate out; an unbroken ISBN is known by its label.
    """
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start(), m.end()) for m in re.finditer(r"[0-9]+", run.group())]
        after = 0
        for first in range(len(groups)):
            found = _nhs_window(text, run.start(), groups, first)
            if found is not None and found.start >= after:
                yield found
                after = found.end


def _nhs_window(
    text: str, offset: int, groups: list[tuple[int, int]], first: int
) -> PiiFinding | None:
    """The NHS number made of the groups from `first` on, if they make one."""
    digits = 0
    for last in range(first, len(groups)):
        digits += groups[last][1] - groups[last][0]
        if digits < _NHS_LENGTH:
            continue
        if digits > _NHS_LENGTH:
            return None
        chosen = groups[first : last + 1]
        before = text[offset + groups[first - 1][1] : offset + chosen[0][0]] if first else " "
        after = (
            text[offset + chosen[-1][1] : offset + groups[last + 1][0]]
            if last + 1 < len(groups)
            else " "
        )
        start, end = offset + chosen[0][0], offset + chosen[-1][1]
        # Beside another group only across a space ("2004. 943 476 5919" ends a
        # sentence first): "943.476.5919.2" is some other number.
        if _joined(before) or _joined(after) or not _could_be_nhs(text, chosen, start, end):
            return None
        return PiiFinding(kind="nhs_number", start=start, end=end)
    return None


def _joined(gap: str) -> bool:
    """A separator with no space around it ties two groups into one longer number."""
    return bool(gap.strip()) and gap == gap.strip()


def _could_be_nhs(text: str, groups: list[tuple[int, int]], start: int, end: int) -> bool:
    if len(groups) > 1 and any(e - s < 2 for s, e in groups):
        return False
    # One number keeps one separator: "2025. 413 114" is a year, then something else.
    if len(set(re.findall(r"[^0-9]+", text[start:end]))) > 1:
        return False
    if _ISBN_CUE.search(text, max(0, start - 12), start):
        return False
    if _COUNTRY_CODE.search(text, max(0, start - 12), start):
        return False  # "+44 28 9649 6483" is a phone number, whatever its digits add up to
    return nhs.is_valid(re.sub(r"[^0-9]", "", text[start:end]))


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


# --- Postcodes -------------------------------------------------------------

# The UK shape (BS 7666), in any case, with or without the space; the inward
# code never uses C, I, K, M, O or V.
_POSTCODE = re.compile(
    r"(?<![0-9A-Za-z])(?:GIR[ \u00a0]{0,2}0AA|"
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r"[ \u00a0]{0,2}[0-9][ABD-HJLNP-UW-Z]{2})(?![0-9A-Za-z])",
    re.IGNORECASE,
)
# "B2 1st floor" has a postcode's shape; "b33 8th" on its own is a postcode.
_ORDINAL = re.compile(r"[0-9](?:st|nd|rd|th)")
_AFTER_ORDINAL = re.compile(
    r"[ \u00a0]+(?:floor|time|year|day|week|month|century|place|birthday|anniversary|edition|"
    r"round|cycle|session|meeting|attempt|stage|of|in|" + "|".join(_MONTH_NAMES) + r")\b",
    re.IGNORECASE,
)


def _postcodes(text: str) -> Iterator[PiiFinding]:
    for match in _POSTCODE.finditer(text):
        inward = match.group()[-3:]
        ordinal = _ORDINAL.fullmatch(inward) and not inward.isupper()
        if ordinal and _AFTER_ORDINAL.match(text, match.end()):
            continue
        yield PiiFinding(kind="postcode", start=match.start(), end=match.end())


# --- Email addresses -------------------------------------------------------

# Also written to slip past filters: "jo [at] nhs [dot] net", "jo at nhs dot net".
_AT = r"(?P<at>[ \t]?@[ \t]?|[ \t]*[\[({<][ \t]*at[ \t]*[\])}>][ \t]*|[ \t]+at[ \t]+)"
_DOT = r"(?:\.|[ \t]*[\[({<][ \t]*dot[ \t]*[\])}>][ \t]*|[ \t]+dot[ \t]+)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}\b",
    re.IGNORECASE,
)


def _emails(text: str) -> Iterator[PiiFinding]:
    position = 0
    while match := _EMAIL.search(text, position):
        # "looked at nhs.uk" is a website: a bare "at" needs a spelled-out "dot" too.
        # A match refused for that may hide a real address later in it, so look on.
        if _spelled_as_email(match):
            yield PiiFinding(kind="email", start=match.start(), end=match.end())
            position = match.end()
        else:
            position = match.start() + 1


def _spelled_as_email(match: re.Match[str]) -> bool:
    at = match["at"]
    if "@" in at or re.search(r"[\[({<]", at):
        return True
    return re.search(r"\bdot\b", match.group(), re.IGNORECASE) is not None


# --- Dates of birth --------------------------------------------------------

# A date is a date of birth only when something says so: a cue such as "DOB"
# or "born" beside it, or another identifier close by ("Mr X, 3/4/56, LS1 4AP").
# Registration, qualification and historical dates in CPD text stay allowed.
_MONTH = r"(?P<month>" + "|".join(_MONTH_NAMES) + r")\.?"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"
_YEAR = r"'?(?P<year>[0-9]{4}|[0-9]{2})"
_DATE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?<![0-9])(?<![0-9][/.-])(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
        r"(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})(?![0-9])(?![/.-][0-9])",
        r"(?<![0-9])(?<![0-9][/.-])(?P<year>[0-9]{4})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
        r"(?P=sep)(?P<day>[0-9]{1,2})(?![0-9])(?![/.-][0-9])",
        rf"(?<![0-9A-Za-z]){_DAY}[\s/-]*(?:of\s+)?{_MONTH}[\s,/-]*{_YEAR}(?![0-9A-Za-z])",
        rf"(?<![0-9A-Za-z]){_MONTH}\s+{_DAY},?\s+{_YEAR}(?![0-9A-Za-z])",
    )
)
_BIRTH_CUE = re.compile(
    r"(?<![a-z])(?:d\.?\s?o\.?\s?b|date\s+of\s+birth|birth\s?date|born|"
    r"(?<!st\s)(?<!nd\s)(?<!rd\s)(?<!th\s)birthday)(?![a-z])",
    re.IGNORECASE,
)
# How far a cue may sit before the date ("DOB:", "born on the") or after it ("(DOB)").
_CUE_BEFORE = 30
_CUE_AFTER = 8
# Another identifier this close makes a bare date part of the same person's details.
_NEIGHBOUR_WINDOW = 60
# Older than any living person: a historical date, not a birth date.
_LIFESPAN_YEARS = 120


def _dates(text: str, today: datetime.date) -> Iterator[tuple[PiiFinding, bool, bool]]:
    """Every full date in the text, whether a living person could have been born
    on it, and whether a cue marks it as a birth date. Dates nobody was born on
    are still found, to keep them out of the phone matcher's way."""
    oldest = _years_before(today, _LIFESPAN_YEARS)
    seen: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            when = _parse_date(match, today)
            if when is None or any(s < match.end() and match.start() < e for s, e in seen):
                continue
            seen.append((match.start(), match.end()))
            before = _BIRTH_CUE.search(text, max(0, match.start() - _CUE_BEFORE), match.start())
            after = _BIRTH_CUE.search(text[match.end() : match.end() + _CUE_AFTER])
            finding = PiiFinding(kind="date_of_birth", start=match.start(), end=match.end())
            yield finding, oldest <= when <= today, bool(before or after)


def _beside(finding: PiiFinding, others: Sequence[PiiFinding]) -> bool:
    return any(
        o.start - _NEIGHBOUR_WINDOW <= finding.end and finding.start <= o.end + _NEIGHBOUR_WINDOW
        for o in others
    )


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
