"""Turning a member's private reflections into the files their regulator asks for.

Everything here is pure and synchronous: callers fetch the records, run these
functions in a thread and deliver the bytes. The PDF takes the shape of the
member's regulator (handlers.reflections.regulators): the NMC's CPD log and
reflective accounts, the GPhC's yearly records, the HCPC's CPD profile, the
GMC's reflections for appraisal, Social Work England's CPD records. Text is
set in DejaVu Sans, embedded, so Welsh and other scripts print as written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from handlers.core.text import defuse_formula
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.regulators import NMC, Status, gaps, hours_and_minutes
from handlers.reflections.templates import NMC_CODE_THEMES, TEMPLATES

QUICK_NOTE_NAME = "Quick note"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

_THEME_LABELS = dict(NMC_CODE_THEMES)
# C0 controls other than tab and newline: invisible to the member, boxes in a PDF.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, kw_only=True, slots=True)
class Holder:
    """Who the file is for, as the member chose to print it; both parts optional."""

    name: str | None = None
    registration: str | None = None


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
    status: Status,
    holder: Holder,
    zone: ZoneInfo,
    generated: datetime,
) -> bytes:
    """The regulator's shape: a cover with progress, a log, the write-ups, then quick notes.

    Only records inside the submission window go in, as that is what the
    regulator reviews; the cover says how many others the CSV still holds.
    """
    styles = _Styles()
    story: list[Flowable] = [
        *_cover(status=status, holder=holder, zone=zone, generated=generated, styles=styles),
        *_practice_summary(status=status, styles=styles),
        *_log(status=status, zone=zone, styles=styles),
        *_write_ups(status=status, zone=zone, styles=styles),
        *_quick_notes(status=status, zone=zone, styles=styles),
    ]
    outside = len(records) - len(status.records)
    if outside:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                f"{outside} reflection(s) from outside these dates are not in this file; "
                "the CSV has every one.",
                styles.meta,
            ),
        ]
    buffer = io.BytesIO()
    title = f"CPD record for the {status.regulator.short}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title + (f": {_clean(holder.name)}" if holder.name else ""),
        author=_clean(holder.name or ""),
        subject=f"CPD record for the {status.regulator.name}",
        creator="ccpl-bot",
        initialFontName=FONT,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _cover(
    *, status: Status, holder: Holder, zone: ZoneInfo, generated: datetime, styles: _Styles
) -> list[Flowable]:
    regulator = status.regulator
    window = status.window
    facts = []
    if holder.name:
        facts.append(f"Name: {_markup(holder.name)}")
    if holder.registration:
        facts.append(f"{escape(regulator.register_label)}: {_markup(holder.registration)}")
    if window.from_renewal:
        facts.append(f"{regulator.date_label}: {_long_date(window.end)}")
    facts += [
        f"Covers: {_long_date(window.start)} to {_long_date(window.end)}",
        f"Generated: {_long_date(_local(generated, zone).date())}",
    ]
    flowables: list[Flowable] = [
        Paragraph(escape(f"CPD record for the {regulator.name} ({regulator.short})"), styles.title),
        *(Paragraph(line, styles.body) for line in facts),
        *(Paragraph(_plain_markup(note), styles.meta) for note in status.caveats()),
        Paragraph("Progress", styles.heading),
        *(Paragraph(escape(line.text()), styles.body) for line in status.lines),
        Paragraph("What the regulator asks", styles.heading),
        Paragraph(escape(regulator.requirement), styles.body),
        Paragraph(f"Source: {escape(regulator.source)}", styles.meta),
    ]
    if regulator.also:
        flowables.append(Paragraph("Also needed, kept outside this record", styles.heading))
        flowables += [Paragraph(f"• {escape(item)}", styles.body) for item in regulator.also]
    return flowables


def _log(*, status: Status, zone: ZoneInfo, styles: _Styles) -> list[Flowable]:
    """The table a reviewer scans first: one row per record, with totals for the NMC."""
    rows = [r for r in status.records if not r.is_quick_note or r.cpd_minutes]
    nmc = status.regulator is NMC
    heading = status.regulator.log_heading
    if not rows:
        return [
            PageBreak(),
            Paragraph(heading, styles.heading),
            Paragraph("Nothing recorded in these dates yet.", styles.body),
        ]
    if nmc:
        header = ["Date", "Method", "Topic", "Link to the Code", "Hours", "Participatory hours"]
        body = [_nmc_row(r, zone) for r in rows]
        minutes = sum(r.cpd_minutes for r in rows)
        participatory = sum(r.cpd_minutes for r in rows if r.participatory)
        body.append(
            ["Total", "", "", "", hours_and_minutes(minutes), hours_and_minutes(participatory)]
        )
        widths = [22, 28, 44, 32, 24, 24]
    else:
        header = ["Date", "Record", "Title", "CPD time"]
        body = [_record_row(r, zone) for r in rows]
        widths = [24, 46, 82, 22]
    data = [[Paragraph(escape(h), styles.cell_head) for h in header]]
    data += [[Paragraph(_markup(cell), styles.cell) for cell in row] for row in body]
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_TABLE_STYLE)
    flowables: list[Flowable] = [PageBreak(), Paragraph(escape(heading), styles.heading), table]
    if status.regulator.flags_gaps:
        flowables += _gaps(status=status, zone=zone, styles=styles)
    return flowables


def _gaps(*, status: Status, zone: ZoneInfo, styles: _Styles) -> list[Flowable]:
    """Long stretches without a record, which an HCPC profile must explain."""
    days = [_local(r.created_at, zone).date() for r in status.records]
    found = gaps(window=status.window, days=days)
    if not found:
        return [Paragraph("No gap of three months or more in this record.", styles.meta)]
    return [
        Paragraph("Gaps of three months or more, to explain in your statement:", styles.prompt),
        *(
            Paragraph(f"• {_short_date(start)} to {_short_date(end)}", styles.body)
            for start, end in found
        ),
    ]


def _practice_summary(*, status: Status, styles: _Styles) -> list[Flowable]:
    """The profile's opening part, which only the member can write."""
    if not status.regulator.practice_summary:
        return []
    return [
        PageBreak(),
        Paragraph("Summary of practice history", styles.heading),
        Paragraph(
            "Up to 500 words, in your own words: your current role, the people who use your "
            "service, and the kind of work you do. The bot leaves this part to you.",
            styles.meta,
        ),
    ]


_TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDF3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _nmc_row(record: ReflectionRecord, zone: ZoneInfo) -> list[str]:
    method = "Participatory" if record.participatory else "Individual"
    if record.session:
        method += f": {record.session}"
    elif record.is_quick_note:
        method += ": quick note"
    return [
        _short_date(_local(record.created_at, zone).date()),
        method,
        record.title,
        "; ".join(_theme_label(t) for t in record.code_themes) or "Not given",
        hours_and_minutes(record.cpd_minutes),
        hours_and_minutes(record.cpd_minutes if record.participatory else 0),
    ]


def _record_row(record: ReflectionRecord, zone: ZoneInfo) -> list[str]:
    return [
        _short_date(_local(record.created_at, zone).date()),
        _template_name(record),
        record.title,
        hours_and_minutes(record.cpd_minutes),
    ]


def _write_ups(*, status: Status, zone: ZoneInfo, styles: _Styles) -> list[Flowable]:
    """Each written-up reflection on its template's headings; NMC accounts one to a page."""
    written = [r for r in status.records if not r.is_quick_note]
    nmc = status.regulator is NMC
    total_accounts = sum(1 for r in written if r.template_id == "nmc")
    accounts = 0
    flowables: list[Flowable] = []
    for number, record in enumerate(written, start=1):
        if nmc or number == 1:
            flowables.append(PageBreak())
        if number == 1:
            flowables.append(Paragraph(escape(status.regulator.write_ups_heading), styles.heading))
        else:
            flowables += [Spacer(1, 6 * mm), CondPageBreak(60 * mm)]
        label = f"{_template_name(record)} ({number} of {len(written)})"
        if nmc and record.template_id == "nmc":
            accounts += 1
            label = f"Reflective account {accounts} of {total_accounts}"
        flowables.append(Paragraph(escape(label), styles.meta))
        title = styles.account if nmc else styles.record
        flowables.extend(_account(record=record, zone=zone, styles=styles, title=title))
    return flowables


def _account(
    *, record: ReflectionRecord, zone: ZoneInfo, styles: _Styles, title: ParagraphStyle
) -> list[Flowable]:
    """One reflection laid out on its template's headings."""
    meta = [
        f"Date: {_long_date(_local(record.created_at, zone).date())}",
        f"CPD time: {hours_and_minutes(record.cpd_minutes)}, "
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
    flowables: list[Flowable] = [
        Paragraph(_markup(record.title) or "(untitled)", title),
        *(Paragraph(line, styles.meta) for line in meta),
    ]
    for _, heading, text in _answers(record):
        flowables.append(Paragraph(_markup(heading), styles.prompt))
        answer = _markup(text) if text.strip() else "<i>(not answered)</i>"
        flowables.append(Paragraph(answer, styles.body))
    return flowables


def _quick_notes(*, status: Status, zone: ZoneInfo, styles: _Styles) -> list[Flowable]:
    """Quick notes as a compact list: they are prompts to write up, not records yet."""
    notes = [r for r in status.records if r.is_quick_note]
    if not notes:
        return []
    flowables: list[Flowable] = [
        Spacer(1, 6 * mm),
        CondPageBreak(40 * mm),
        Paragraph(f"Quick notes ({len(notes)})", styles.heading),
        Paragraph(
            "Not yet written up; expand one from /ccpl reflections to count it.", styles.meta
        ),
    ]
    for note in notes:
        day = _short_date(_local(note.created_at, zone).date())
        time = f" · {hours_and_minutes(note.cpd_minutes)}" if note.cpd_minutes else ""
        text = note.answers.get(QUICK_NOTE, "") or note.title
        flowables.append(Paragraph(f"<b>{day}{time}</b>  {_markup(text)}", styles.note))
    return flowables


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Holds each page until the end, so every footer can say 'Page 2 of 5'."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab calls it by this name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawCentredString(A4[0] / 2, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


@cache
def _fonts() -> str:
    """Registers DejaVu Sans from matplotlib's copy: a Unicode font embedded in the PDF."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {
        FONT: "DejaVuSans.ttf",
        FONT_BOLD: "DejaVuSans-Bold.ttf",
        f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf",
        f"{FONT}-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=FONT_BOLD,
        italic=f"{FONT}-Oblique",
        boldItalic=f"{FONT}-BoldOblique",
    )
    return FONT


class _Styles:
    """The handful of paragraph styles the PDF uses, built once per document."""

    def __init__(self) -> None:
        font = _fonts()
        sheet = getSampleStyleSheet()
        body = ParagraphStyle("Body", parent=sheet["BodyText"], fontName=font)
        self.body = body
        self.title = ParagraphStyle("CpdTitle", parent=sheet["Title"], fontName=FONT_BOLD)
        self.account = ParagraphStyle(
            "Account", parent=sheet["Heading1"], fontName=FONT_BOLD, alignment=TA_CENTER
        )
        # Records that share a page get a smaller title than an account with a page to itself.
        self.record = ParagraphStyle(
            "Record", parent=sheet["Heading3"], fontName=FONT_BOLD, keepWithNext=1
        )
        self.heading = ParagraphStyle(
            "Heading", parent=sheet["Heading2"], fontName=FONT_BOLD, keepWithNext=1
        )
        self.meta = ParagraphStyle("Meta", parent=body, textColor="#444444", spaceAfter=2)
        self.prompt = ParagraphStyle(
            "Prompt", parent=body, fontName=FONT_BOLD, spaceBefore=8, keepWithNext=1
        )
        self.cell = ParagraphStyle("Cell", parent=body, fontSize=8, leading=10)
        self.cell_head = ParagraphStyle("CellHead", parent=self.cell, fontName=FONT_BOLD)
        self.note = ParagraphStyle("Note", parent=body, fontSize=9, leading=11, spaceAfter=3)


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


def _oldest_first(records: Sequence[ReflectionRecord]) -> list[ReflectionRecord]:
    return sorted(records, key=lambda r: (r.created_at, r.id))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _long_date(day: date) -> str:
    """'12 November 2026': the form people write on a revalidation portfolio."""
    return f"{day.day} {day:%B %Y}"


def _short_date(day: date) -> str:
    """'12 Nov 2026': fits a log table's narrow date column."""
    return f"{day.day} {day:%b %Y}"


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


def _plain_markup(text: str) -> str:
    """Our own notes, whose `code` spans mean nothing on paper."""
    return escape(text.replace("`", ""))
