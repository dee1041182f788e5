"""Turning a member's private reflections into files they can hand in at revalidation.

Everything here is pure and synchronous: callers fetch the records, run these
functions in a thread and deliver the bytes. The CPD arithmetic follows the NMC's
revalidation requirements because those are the most prescriptive; other
regulators ask for less, so the PDF tells people to check their own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from handlers.core.text import defuse_formula
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.templates import NMC_CODE_THEMES, TEMPLATES

QUICK_NOTE_NAME = "Quick note"
PDF_TITLE = "CPD reflections for revalidation"
REQUIREMENTS_NOTE = (
    "NMC revalidation asks for 35 hours of CPD including 20 participatory, and five "
    "written reflective accounts, in the three years since your last revalidation. "
    "Check your own regulator's requirements."
)

_THEME_LABELS = dict(NMC_CODE_THEMES)
# Spreadsheet apps run a cell starting with these as a formula (CSV injection).
# C0 controls other than tab and newline: invisible to the member, boxes in a PDF.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, kw_only=True, slots=True)
class CpdSummary:
    """Progress towards revalidation over the three-year window, in the NMC's terms."""

    since: date
    hours: float
    participatory_hours: float
    accounts: int
    required_hours: int = 35
    required_participatory: int = 20
    required_accounts: int = 5

    def lines(self) -> list[str]:
        """One line per requirement, so a reply or the PDF cover can list them as they are."""
        return [
            f"CPD: {_progress(self.hours, self.required_hours)} hours"
            f"{_remaining(self.hours, self.required_hours)}",
            f"Participatory: {_progress(self.participatory_hours, self.required_participatory)}"
            f" hours{_remaining(self.participatory_hours, self.required_participatory)}",
            f"Reflective accounts: {_progress(self.accounts, self.required_accounts)}"
            f"{_remaining(self.accounts, self.required_accounts)}",
        ]


def cpd_summary(*, records: Sequence[ReflectionRecord], today: date) -> CpdSummary:
    """Count what falls in the last three years, as revalidation looks back that far.

    A record's day is its UTC creation date. Quick notes add their CPD time but are
    not reflective accounts until they are written up with a template.
    """
    since = _three_years_before(today)
    in_window = [r for r in records if r.created_at.astimezone(UTC).date() >= since]
    minutes = sum(r.cpd_minutes for r in in_window)
    participatory = sum(r.cpd_minutes for r in in_window if r.participatory)
    return CpdSummary(
        since=since,
        hours=minutes / 60,
        participatory_hours=participatory / 60,
        accounts=sum(1 for r in in_window if not r.is_quick_note),
    )


def reflections_csv(*, records: Sequence[ReflectionRecord], zone: ZoneInfo) -> bytes:
    """A spreadsheet of every reflection, one row each, oldest first.

    Encoded UTF-8 with a BOM because Excel otherwise guesses a legacy code page and
    mangles accents and curly quotes.
    """
    ordered = _oldest_first(records)
    answer_columns = _answer_columns(ordered)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "created",
            "updated",
            "template",
            "title",
            "cpd_minutes",
            "participatory",
            "principles",
            "nmc_code_themes",
            "session",
            "shared",
            *answer_columns,
        ]
    )
    for record in ordered:
        answers = {column: text for column, _, text in _answers(record)}
        row = [
            str(record.id),
            _local(record.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            _local(record.updated_at, zone).strftime("%Y-%m-%d %H:%M"),
            _template_name(record),
            record.title,
            str(record.cpd_minutes),
            _yes_no(record.participatory),
            "; ".join(str(p) for p in record.principles),
            "; ".join(_theme_label(t) for t in record.code_themes),
            record.session or "",
            _yes_no(record.shared),
            *(answers.get(column, "") for column in answer_columns),
        ]
        writer.writerow([defuse_formula(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig", errors="replace")


def reflections_pdf(
    *,
    records: Sequence[ReflectionRecord],
    summary: CpdSummary,
    person: str,
    zone: ZoneInfo,
    generated: datetime,
) -> bytes:
    """A cover page with CPD progress, then one reflective account per page.

    One account per page mirrors the NMC form, so members can print the ones they
    discuss with their reflective discussion partner.
    """
    styles = _Styles()
    generated_day = _local(generated, zone).date()
    story: list[object] = [
        Paragraph(escape(PDF_TITLE), styles.title),
        Paragraph(f"For: {_markup(person)}", styles.body),
        Paragraph(f"Generated: {_long_date(generated_day)}", styles.body),
        Paragraph(
            f"Three-year window: {_long_date(summary.since)} to {_long_date(generated_day)}",
            styles.body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("CPD summary", styles.heading),
        *(Paragraph(escape(line), styles.body) for line in summary.lines()),
        Paragraph(f"Reflections in this file: {len(records)}", styles.body),
        Spacer(1, 4 * mm),
        Paragraph(escape(REQUIREMENTS_NOTE), styles.meta),
    ]
    for record in _oldest_first(records):
        story.append(PageBreak())
        story.extend(_account(record=record, zone=zone, styles=styles))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{PDF_TITLE}: {_clean(person)}",
        author=_clean(person),
        subject="CPD reflective accounts",
        creator="ccpl-bot",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story)
    return buffer.getvalue()


class _Styles:
    """The handful of paragraph styles the PDF uses, built once per document."""

    def __init__(self) -> None:
        sheet = getSampleStyleSheet()
        self.title: ParagraphStyle = sheet["Title"]
        self.heading: ParagraphStyle = sheet["Heading2"]
        self.body: ParagraphStyle = sheet["BodyText"]
        self.meta: ParagraphStyle = ParagraphStyle(
            "Meta", parent=sheet["BodyText"], textColor="#444444", spaceAfter=2
        )
        self.prompt: ParagraphStyle = ParagraphStyle(
            "Prompt",
            parent=sheet["BodyText"],
            fontName="Helvetica-Bold",
            spaceBefore=8,
            keepWithNext=1,
        )


def _account(*, record: ReflectionRecord, zone: ZoneInfo, styles: _Styles) -> list[object]:
    """One reflection laid out as a reflective account."""
    meta = [
        f"Date: {_long_date(_local(record.created_at, zone).date())}",
        f"Template: {_markup(_template_name(record))}",
        f"CPD time: {_duration(record.cpd_minutes)}, "
        f"{'participatory' if record.participatory else 'not participatory'}",
    ]
    if record.principles:
        meta.append("CCPL principles: " + ", ".join(str(p) for p in record.principles))
    if record.code_themes:
        meta.append(
            "NMC Code themes: " + _markup("; ".join(_theme_label(t) for t in record.code_themes))
        )
    if record.session:
        meta.append(f"Session: {_markup(record.session)}")
    flowables: list[object] = [
        Paragraph(_markup(record.title) or "(untitled)", styles.title),
        *(Paragraph(line, styles.meta) for line in meta),
    ]
    for _, heading, text in _answers(record):
        flowables.append(Paragraph(_markup(heading), styles.prompt))
        answer = _markup(text) if text.strip() else "<i>(not answered)</i>"
        flowables.append(Paragraph(answer, styles.body))
    return flowables


def _answers(record: ReflectionRecord) -> list[tuple[str, str, str]]:
    """(CSV column, PDF heading, text) in the template's order.

    Answers the template does not ask for (a retired template, or a quick note's
    text kept after it was written up) still come out, so no typed text is lost.
    """
    if record.is_quick_note:
        asked = [(QUICK_NOTE, QUICK_NOTE, QUICK_NOTE_NAME)]
    else:
        template = TEMPLATES.get(record.template_id or "")
        prompts = template.prompts if template else ()
        asked = [(p.id, p.heading, p.heading) for p in prompts]
    ids = {key for key, _, _ in asked}
    result = [(column, heading, record.answers.get(key, "")) for key, column, heading in asked]
    for key, text in record.answers.items():
        if key not in ids and text.strip():
            heading = QUICK_NOTE_NAME if key == QUICK_NOTE else key
            result.append((key, heading, text))
    return result


def _answer_columns(records: Sequence[ReflectionRecord]) -> list[str]:
    """Prompt headings of the templates used, in template order, then any others, then `note`."""
    used = {r.template_id for r in records}
    columns = [p.heading for t in TEMPLATES.values() if t.id in used for p in t.prompts]
    extras = [column for r in records for column, _, _ in _answers(r)]
    columns.extend(c for c in extras if c != QUICK_NOTE)
    if QUICK_NOTE in extras:
        columns.append(QUICK_NOTE)
    return list(dict.fromkeys(columns))


def _three_years_before(day: date) -> date:
    """The same calendar day three years earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - 3)
    except ValueError:
        return day.replace(year=day.year - 3, day=28)


def _oldest_first(records: Sequence[ReflectionRecord]) -> list[ReflectionRecord]:
    return sorted(records, key=lambda r: (r.created_at, r.id))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _long_date(day: date) -> str:
    """'12 November 2026': the form people write on a revalidation portfolio."""
    return f"{day.day} {day:%B %Y}"


def _duration(minutes: int) -> str:
    if minutes <= 0:
        return "none recorded"
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def _number(value: float) -> str:
    """Hours to at most two decimals without trailing zeros: 12.5, 4, 1.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _progress(done: float, required: int) -> str:
    return f"{_number(done)} of {required}"


def _remaining(done: float, required: int) -> str:
    if done >= required:
        return " (met)"
    return f" ({_number(required - done)} to go)"


def _template_name(record: ReflectionRecord) -> str:
    if record.template_id is None:
        return QUICK_NOTE_NAME
    template = TEMPLATES.get(record.template_id)
    return template.name if template else record.template_id


def _theme_label(theme_id: str) -> str:
    return _THEME_LABELS.get(theme_id, theme_id)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _clean(text: str) -> str:
    """Drop control characters and lone surrogates that cannot be drawn or encoded."""
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _markup(text: str) -> str:
    """User text made safe for reportlab's mini-markup, keeping its line breaks."""
    return escape(_clean(text)).replace("\n", "<br/>")
