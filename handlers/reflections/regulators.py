"""What each UK regulator asks a registrant to hand in, and over which dates.

CCPL networks are multi-professional, so one set of targets cannot fit them
all. Each regulator below cites the published requirement it encodes; when a
regulator changes its rules, this module is the one place to change.

Windows are counted back from the member's own revalidation or renewal date,
not from today: that is the date the regulator counts from. Without a date the
window ends today and every reply says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from handlers.reflections.records import ReflectionRecord
from handlers.reflections.templates import TEMPLATES


class Measure(StrEnum):
    """What a target counts."""

    MINUTES = "minutes"
    PARTICIPATORY = "participatory"
    RECORDS = "records"


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """One requirement. `required=0` means the regulator sets no number: the count is shown."""

    label: str
    required: int
    measure: Measure
    templates: frozenset[str] = frozenset()  # RECORDS: which templates count; empty is any
    answered: str | None = None  # RECORDS: only records answering this prompt count


@dataclass(frozen=True, kw_only=True, slots=True)
class Regulator:
    id: str
    name: str
    short: str
    date_label: str
    register_label: str
    cycle_years: int
    source: str
    requirement: str
    targets: tuple[Target, ...]
    templates: tuple[str, ...]
    # Parts of the submission the bot does not hold, so the export names them as to-dos.
    also: tuple[str, ...] = ()
    log_heading: str = "Records"
    write_ups_heading: str = "Records in full"
    # HCPC standard 1 asks for a continuous record: the export lists long gaps to explain.
    flags_gaps: bool = False
    # HCPC profiles open with a summary of practice the member writes themselves.
    practice_summary: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Window:
    """The dates a submission covers, both inclusive."""

    start: date
    end: date
    from_renewal: bool

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, kw_only=True, slots=True)
class Line:
    """One target's progress: `met` is None when the regulator sets no number."""

    label: str
    done: str
    met: bool | None

    def text(self) -> str:
        return f"{self.label}: {self.done}"


_ANY_TEMPLATE: frozenset[str] = frozenset()

# Source: NMC, "Revalidation: how to revalidate with the NMC", requirements for
# renewing registration every three years (https://www.nmc.org.uk/revalidation/requirements/):
# "35 hours of CPD relevant to your scope of practice ... of which at least 20 hours
# must have included participatory learning"; "five pieces of practice-related
# feedback"; "five written reflective accounts ... on the NMC form"; "a reflective
# discussion with another NMC registrant" covering those accounts. The CPD log
# must give "the CPD method, a description of the topic and how it related to your
# practice, the dates, the number of hours (including participatory hours), and the
# part of the Code most relevant". All within "the three-year period since your
# registration was last renewed".
NMC = Regulator(
    id="nmc",
    name="Nursing and Midwifery Council",
    short="NMC",
    date_label="Revalidation date",
    register_label="NMC PIN",
    cycle_years=3,
    source="https://www.nmc.org.uk/revalidation/requirements/",
    requirement="35 hours of CPD, at least 20 participatory, five written reflective "
    "accounts on the NMC form, five pieces of practice-related feedback and a reflective "
    "discussion, in the three years before your revalidation date.",
    targets=(
        Target(label="CPD", required=35 * 60, measure=Measure.MINUTES),
        Target(label="Participatory", required=20 * 60, measure=Measure.PARTICIPATORY),
        Target(
            label="Reflective accounts (NMC form)",
            required=5,
            measure=Measure.RECORDS,
            templates=frozenset({"nmc"}),
        ),
        Target(
            label="Practice-related feedback",
            required=5,
            measure=Measure.RECORDS,
            templates=frozenset({"nmc-feedback"}),
        ),
    ),
    templates=("nmc", "nmc-feedback"),
    log_heading="CPD log",
    write_ups_heading="Written reflective accounts",
    also=(
        "Evidence of each CPD activity (certificates, notes)",
        "A reflective discussion with another NMC registrant about your five accounts",
        "450 practice hours (900 as both nurse and midwife)",
        "Confirmation, health and character, professional indemnity",
    ),
)

# Source: GPhC, "Revalidation framework" (https://www.pharmacyregulation.org/revalidation):
# each year, at renewal, "four CPD records, at least two of which must be planned
# learning", "one peer discussion record" and "one reflective account record",
# all about the registration year that ends at the renewal date.
GPHC = Regulator(
    id="gphc",
    name="General Pharmaceutical Council",
    short="GPhC",
    date_label="Registration renewal date",
    register_label="GPhC registration number",
    cycle_years=1,
    source="https://www.pharmacyregulation.org/revalidation",
    requirement="Each registration year: four CPD records (at least two planned learning), "
    "one peer discussion and one reflective account, submitted at renewal.",
    targets=(
        Target(
            label="CPD records",
            required=4,
            measure=Measure.RECORDS,
            templates=frozenset({"gphc-planned", "gphc-unplanned"}),
        ),
        Target(
            label="Planned learning",
            required=2,
            measure=Measure.RECORDS,
            templates=frozenset({"gphc-planned"}),
        ),
        Target(
            label="Peer discussion",
            required=1,
            measure=Measure.RECORDS,
            templates=frozenset({"gphc-peer"}),
        ),
        Target(
            label="Reflective account",
            required=1,
            measure=Measure.RECORDS,
            templates=frozenset({"gphc-account"}),
        ),
    ),
    templates=("gphc-planned", "gphc-unplanned", "gphc-peer", "gphc-account"),
    log_heading="Revalidation records for the registration year",
    write_ups_heading="Records on the GPhC's headings",
    also=("Submit the records through myGPhC when you renew",),
)

# Source: HCPC, "Standards of continuing professional development"
# (https://www.hcpc-uk.org/standards/standards-of-continuing-professional-development/):
# registrants must "1. maintain a continuous, up-to-date and accurate record of their
# CPD activities; 2. demonstrate that their CPD activities are a mixture of learning
# activities relevant to current or future practice; 3. seek to ensure that their
# CPD has contributed to the quality of their practice and service delivery; 4. seek
# to ensure that their CPD benefits the service user; and 5. upon request, present a
# written profile ... explaining how they have met the standards". Registration
# renews every two years; a profile for audit has a summary of practice history
# (up to 500 words), a statement of how the standards were met, drawing on four to
# six activities from the last two years, and supporting evidence
# (https://www.hcpc-uk.org/cpd/cpd-audits/).
HCPC = Regulator(
    id="hcpc",
    name="Health and Care Professions Council",
    short="HCPC",
    date_label="Registration renewal date",
    register_label="HCPC registration number",
    cycle_years=2,
    source="https://www.hcpc-uk.org/standards/standards-of-continuing-professional-development/",
    requirement="A continuous record of CPD, a mixture of activities that improve your "
    "practice and benefit service users (standards 1 to 4), and, if audited, a CPD "
    "profile: summary of practice, statement on four to six activities from the last "
    "two years, and evidence (standard 5).",
    targets=(
        Target(
            label="Activities for a CPD profile",
            required=4,
            measure=Measure.RECORDS,
            templates=_ANY_TEMPLATE,
        ),
        Target(label="CPD time", required=0, measure=Measure.MINUTES),
    ),
    templates=("hcpc",),
    log_heading="Standard 1: a continuous, dated record of CPD",
    write_ups_heading="Statement: how my CPD meets standards 2 to 4",
    flags_gaps=True,
    practice_summary=True,
    also=(
        "A summary of your practice history (up to 500 words)",
        "Evidence for each activity: certificates, notes, feedback",
        "An explanation of any gap of three months or more in your record",
    ),
)

# Source: GMC, "Guidance on supporting information for appraisal and revalidation"
# (https://www.gmc-uk.org/registration-and-licensing/managing-your-registration/revalidation/
# guidance-on-supporting-information-for-appraisal-and-revalidation): doctors "must
# collect, reflect on and discuss at appraisal" six types of supporting information
# over the five-year revalidation cycle (CPD, quality improvement activity,
# significant events, feedback from patients, feedback from colleagues, compliments
# and complaints), at an annual whole-practice appraisal. The GMC sets no number of
# hours or records.
GMC = Regulator(
    id="gmc",
    name="General Medical Council",
    short="GMC",
    date_label="Next appraisal date",
    register_label="GMC reference number",
    cycle_years=1,
    source="https://www.gmc-uk.org/registration-and-licensing/managing-your-registration/"
    "revalidation/guidance-on-supporting-information-for-appraisal-and-revalidation",
    requirement="Reflection on your supporting information (CPD, quality improvement, "
    "significant events, feedback from patients and colleagues, compliments and "
    "complaints) at each annual appraisal, all six over your five-year revalidation cycle.",
    targets=(
        Target(label="Reflections for appraisal", required=0, measure=Measure.RECORDS),
        Target(label="CPD time", required=0, measure=Measure.MINUTES),
    ),
    templates=("gmc",),
    log_heading="Supporting information reflected on",
    write_ups_heading="Reflections for appraisal",
    also=(
        "Your personal development plan and last year's appraisal summary",
        "Colleague and patient feedback once in each five-year cycle",
    ),
)

# Source: Social Work England, "CPD guidance for social workers"
# (https://www.socialworkengland.org.uk/cpd/cpd-guidance/): each registration year
# (1 December to 30 November) record "a minimum of 2 different pieces of CPD", and
# "at least one piece of CPD should include peer reflection", submitted in the
# online account by the renewal deadline of 30 November.
SWE = Regulator(
    id="swe",
    name="Social Work England",
    short="Social Work England",
    date_label="Registration renewal date",
    register_label="Social Work England registration number",
    cycle_years=1,
    source="https://www.socialworkengland.org.uk/cpd/cpd-guidance/",
    requirement="Each registration year: at least two pieces of CPD, at least one of them "
    "reflected on with a peer, recorded in your online account by the renewal deadline.",
    targets=(
        Target(label="CPD records", required=2, measure=Measure.RECORDS),
        Target(
            label="With a peer reflection",
            required=1,
            measure=Measure.RECORDS,
            templates=frozenset({"swe"}),
            answered="peer",
        ),
    ),
    templates=("swe",),
    log_heading="CPD records for the registration year",
    write_ups_heading="Records on Social Work England's questions",
    also=("Copy each record into your Social Work England online account",),
)

REGULATORS: Mapping[str, Regulator] = {r.id: r for r in (NMC, GPHC, HCPC, GMC, SWE)}
DEFAULT = NMC

# The content pack's profession ids, and the regulator most of each group answers to.
PROFESSION_REGULATORS: Mapping[str, str] = {
    "nurses": "nmc",
    "midwives": "nmc",
    "nursing-associates": "nmc",
    "pharmacists": "gphc",
    "allied-health-professionals": "hcpc",
    "psychologists": "hcpc",
    "healthcare-scientists": "hcpc",
    "gps": "gmc",
    "secondary-care-clinicians": "gmc",
    "social-care": "swe",
}


def suggested(profession: str | None) -> Regulator | None:
    """The regulator a profession usually answers to, if the pack's id names one."""
    found = PROFESSION_REGULATORS.get(profession or "")
    return REGULATORS[found] if found else None


def years_before(day: date, years: int) -> date:
    """The same calendar day some years earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def window(*, regulator: Regulator, renewal: date | None, today: date) -> Window:
    """The dates the next submission covers.

    A renewal date already past rolls on by the regulator's cycle, since the
    submission it was for has gone in. The window opens the day after the same
    date one cycle earlier, so two windows never share a day.
    """
    if renewal is None:
        start = years_before(today, regulator.cycle_years) + timedelta(days=1)
        return Window(start=start, end=today, from_renewal=False)
    end = renewal
    while end < today:
        end = _years_after(end, regulator.cycle_years)
    start = years_before(end, regulator.cycle_years) + timedelta(days=1)
    return Window(start=start, end=end, from_renewal=True)


def in_window(
    *, records: Sequence[ReflectionRecord], window: Window, zone: ZoneInfo
) -> list[ReflectionRecord]:
    """The records whose local day falls in the window, as a person would date them."""
    return [r for r in records if window.holds(r.created_at.astimezone(zone).date())]


GAP = relativedelta(months=3)  # "three consecutive months or more", HCPC CPD audit guidance


def gaps(*, window: Window, days: Sequence[date]) -> list[tuple[date, date]]:
    """Stretches of three months or more with no record, window edges included."""
    marks = [window.start - timedelta(days=1), *sorted(days), window.end + timedelta(days=1)]
    found = []
    for before, after in pairwise(marks):
        first_empty = before + timedelta(days=1)
        if after >= first_empty + GAP:
            found.append((first_empty, after - timedelta(days=1)))
    return found


def progress(*, regulator: Regulator, records: Sequence[ReflectionRecord]) -> tuple[Line, ...]:
    """Each of the regulator's targets against the records given (already in the window)."""
    return tuple(_line(target, records) for target in regulator.targets)


def _line(target: Target, records: Sequence[ReflectionRecord]) -> Line:
    done = _measure(target, records)
    shown = str if target.measure is Measure.RECORDS else hours_and_minutes
    if target.required == 0:
        return Line(label=target.label, done=f"{shown(done)} (no set number)", met=None)
    met = done >= target.required
    status = "met" if met else f"{shown(target.required - done)} to go"
    return Line(
        label=target.label, done=f"{shown(done)} of {shown(target.required)} ({status})", met=met
    )


def _measure(target: Target, records: Sequence[ReflectionRecord]) -> int:
    if target.measure is Measure.MINUTES:
        return sum(r.cpd_minutes for r in records)
    if target.measure is Measure.PARTICIPATORY:
        return sum(r.cpd_minutes for r in records if r.participatory)
    return sum(1 for r in records if counts_towards(target, r))


def counts_towards(target: Target, record: ReflectionRecord) -> bool:
    """A written-up record of one of the target's templates (any, if it names none)."""
    if record.is_quick_note:
        return False
    if target.templates and record.template_id not in target.templates:
        return False
    return not target.answered or bool(record.answers.get(target.answered, "").strip())


def hours_and_minutes(minutes: int) -> str:
    """'3 h 35 min', '35 h', '45 min', '0 h': how people write CPD time on a log."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if rest:
        return f"{rest} min"
    return f"{hours} h"


def template_names(regulator: Regulator) -> str:
    """The regulator's own templates, named for a reply: 'GPhC planned learning (gphc-planned)'."""
    return ", ".join(f"{TEMPLATES[t].name} (`{t}`)" for t in regulator.templates)


@dataclass(frozen=True, kw_only=True, slots=True)
class Status:
    """A member's standing against their regulator, with how each choice was made."""

    regulator: Regulator
    chosen: bool  # False: suggested by their profession, or the default
    window: Window
    lines: tuple[Line, ...]
    records: tuple[ReflectionRecord, ...]  # in the window, oldest first

    def caveats(self) -> list[str]:
        """What the member should know about how these figures were reached."""
        notes = []
        if not self.chosen:
            notes.append(
                f"No regulator set, so this uses the {self.regulator.short}'s requirements. "
                "Set yours with `/ccpl cpd`."
            )
        if not self.window.from_renewal:
            notes.append(
                f"No {self.regulator.date_label.lower()} set, so this counts back from "
                "today. Set it with `/ccpl cpd` to count the dates your regulator will."
            )
        return notes


def status(
    *,
    records: Sequence[ReflectionRecord],
    regulator: Regulator,
    chosen: bool,
    renewal: date | None,
    today: date,
    zone: ZoneInfo,
) -> Status:
    """Where a member stands for their next submission."""
    span = window(regulator=regulator, renewal=renewal, today=today)
    kept = sorted(in_window(records=records, window=span, zone=zone), key=_order)
    return Status(
        regulator=regulator,
        chosen=chosen,
        window=span,
        lines=progress(regulator=regulator, records=kept),
        records=tuple(kept),
    )


def _order(record: ReflectionRecord) -> tuple[object, ...]:
    return (record.created_at, record.id)
