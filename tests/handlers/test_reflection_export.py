"""Reflection exports: a CSV Excel can open, and a PDF in the NMC's shape that prints any script."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.reflections.export import Holder, reflections_csv, reflections_pdf
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.regulators import NMC as NMC_RULES
from handlers.reflections.regulators import status
from handlers.reflections.templates import GIBBS, NMC

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 12)
REVALIDATION = date(2027, 3, 31)
NMC_ANSWERS = {
    "activity": "Led a safeguarding huddle.",
    "learned": "Shorter huddles kept people engaged.",
    "changed": "I now send the agenda the day before.",
    "code": "Prioritise people: it kept residents safe.",
}


def _record(
    *,
    id: int = 1,
    created_at: datetime = datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
    template_id: str | None = "nmc",
    title: str = "Safeguarding huddle",
    answers: dict[str, str] | None = None,
    **extra: Any,
) -> ReflectionRecord:
    return ReflectionRecord(
        id=id,
        created_at=created_at,
        updated_at=created_at,
        template_id=template_id,
        title=title,
        answers=NMC_ANSWERS if answers is None else answers,
        **extra,
    )


def _note(*, id: int = 2, text: str = "Jot: ask about rota", **extra: Any) -> ReflectionRecord:
    return _record(
        id=id, template_id=None, title="Quick thought", answers={QUICK_NOTE: text}, **extra
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _pdf(records: list[ReflectionRecord]) -> pypdf.PdfReader:
    standing = status(
        records=records,
        regulator=NMC_RULES,
        chosen=True,
        renewal=REVALIDATION,
        today=TODAY,
        zone=LONDON,
    )
    data = reflections_pdf(
        records=records,
        status=standing,
        holder=Holder(name="Sam Jones", registration="12A3456E"),
        zone=LONDON,
        generated=datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
    )
    return pypdf.PdfReader(io.BytesIO(data))


# cpd_summary


# CSV


def test_csv_has_header_and_rows_oldest_first() -> None:
    newer = _record(
        id=7,
        created_at=datetime(2026, 2, 1, 12, 0, tzinfo=UTC),
        cpd_minutes=45,
        participatory=True,
        principles=(1, 3),
        code_themes=("prioritise-people", "preserve-safety"),
        session="Cohort 4, module 2",
        shared=True,
    )
    older = _note(id=3, created_at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    header, first, second = _rows(reflections_csv(records=[newer, older], zone=LONDON))
    assert header == [
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
        *(p.heading for p in NMC.prompts),
        "note",
    ]
    row = dict(zip(header, second, strict=True))
    assert first[0] == "3"
    assert dict(zip(header, first, strict=True))["template"] == "Quick note"
    assert dict(zip(header, first, strict=True))["note"] == "Jot: ask about rota"
    assert row["template"] == "NMC reflective account"
    assert row["cpd_minutes"] == "45"
    assert row["participatory"] == "yes"
    assert row["principles"] == "1; 3"
    assert row["nmc_code_themes"] == "Prioritise people; Preserve safety"
    assert row["session"] == "Cohort 4, module 2"
    assert row["shared"] == "yes"
    assert row["What did you learn from it?"] == NMC_ANSWERS["learned"]
    assert row["note"] == ""


def test_csv_columns_follow_template_order_across_templates() -> None:
    gibbs = _record(id=1, template_id="gibbs", answers={"feelings": "Anxious"})
    nmc = _record(id=2, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    header, gibbs_row, _ = _rows(reflections_csv(records=[gibbs, nmc], zone=LONDON))
    headings = [p.heading for p in NMC.prompts] + [p.heading for p in GIBBS.prompts]
    assert header[11:] == headings
    assert dict(zip(header, gibbs_row, strict=True))["Feelings"] == "Anxious"


def test_multiline_answer_round_trips_in_one_cell() -> None:
    text = 'First line\nSecond, with "quotes"\r\nThird'
    record = _record(answers={**NMC_ANSWERS, "learned": text})
    header, row = _rows(reflections_csv(records=[record], zone=LONDON))
    assert dict(zip(header, row, strict=True))["What did you learn from it?"] == text


def test_formula_looking_cells_are_neutralised() -> None:
    record = _record(title='=HYPERLINK("http://x")', answers={**NMC_ANSWERS, "code": "@SUM(A1)"})
    header, row = _rows(reflections_csv(records=[record], zone=LONDON))
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == '\'=HYPERLINK("http://x")'
    assert cells["How is this relevant to the Code?"] == "'@SUM(A1)"
    for start in ("+", "-", "\t"):
        [_, again] = _rows(reflections_csv(records=[_record(title=f"{start}1")], zone=LONDON))
        assert again[4] == f"'{start}1"


def test_times_are_local_across_summer_and_winter() -> None:
    july = _record(id=1, created_at=datetime(2026, 7, 1, 9, 30, tzinfo=UTC))
    january = _record(id=2, created_at=datetime(2027, 1, 1, 9, 30, tzinfo=UTC))
    _, summer, winter = _rows(reflections_csv(records=[january, july], zone=LONDON))
    assert summer[1] == "2026-07-01 10:30"
    assert winter[1] == "2027-01-01 09:30"


def test_unicode_survives_the_csv() -> None:
    title = "Team\u2019s \u201cwin\u201d \u2013 caf\u00e9 \u00a3"
    _, row = _rows(reflections_csv(records=[_record(title=title)], zone=LONDON))
    assert row[4] == title


# PDF


def test_pdf_has_a_cover_a_log_and_one_page_per_nmc_account() -> None:
    records = [_record(id=i, created_at=datetime(2026, 1, i, tzinfo=UTC)) for i in range(1, 4)]
    reader = _pdf([*records, _note(id=9)])
    assert len(reader.pages) == 1 + 1 + 3  # cover, log, an account per page (notes after)
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "CPD record for the Nursing and Midwifery Council (NMC)" in cover
    assert "Name: Sam Jones" in cover
    assert "NMC PIN: 12A3456E" in cover
    assert "Revalidation date: 31 March 2027" in cover
    assert "Covers: 1 April 2024 to 31 March 2027" in cover
    assert "Reflective accounts (NMC form): 3 of 5 (2 to go)" in cover
    assert "nmc.org.uk" in cover
    assert reader.metadata is not None
    assert reader.metadata.title == "CPD record for the NMC: Sam Jones"
    assert reader.metadata.author == "Sam Jones"


def test_every_page_is_numbered_out_of_the_total() -> None:
    reader = _pdf([_record(id=i, created_at=datetime(2026, 1, i, tzinfo=UTC)) for i in (1, 2)])
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text()


def test_nmc_log_has_the_nmc_columns_and_hours_in_hours_and_minutes() -> None:
    records = [
        _record(id=1, cpd_minutes=215, participatory=True, code_themes=("preserve-safety",)),
        _record(id=2, created_at=datetime(2026, 2, 1, tzinfo=UTC), cpd_minutes=60),
    ]
    log = _pdf(records).pages[1].extract_text()
    for column in ("Date", "Method", "Topic", "Link to the Code", "Hours", "Participatory"):
        assert column in log
    assert "3 h 35 min" in log
    assert "Preserve safety" in log
    assert "Total" in log and "4 h 35 min" in log
    assert "3.58" not in log


def test_pdf_account_reads_as_a_reflective_account() -> None:
    record = _record(
        created_at=datetime(2026, 7, 12, 23, 30, tzinfo=UTC),
        cpd_minutes=90,
        participatory=True,
        principles=(2, 4),
        code_themes=("practise-effectively",),
        answers={**NMC_ANSWERS, "code": "  "},
    )
    page = _pdf([record]).pages[2].extract_text()
    assert "Reflective account 1 of 1" in page
    for prompt in NMC.prompts:
        assert prompt.heading in page
    assert NMC_ANSWERS["learned"] in page
    assert "(not answered)" in page
    assert "13 July 2026" in page
    assert "1 h 30 min, participatory" in page
    assert "CCPL principles: 2, 4" in page
    assert "Practise effectively" in page


def test_quick_notes_share_a_compact_list() -> None:
    notes = [
        _note(id=i, text=f"Jot {i}: ask about rota", created_at=datetime(2026, 3, i, tzinfo=UTC))
        for i in range(1, 9)
    ]
    reader = _pdf(notes)
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2  # cover, then the log and all eight notes on one page
    assert "Quick notes (8)" in text
    assert all(f"Jot {i}: ask about rota" in text for i in range(1, 9))


def test_records_outside_the_window_are_left_out_and_counted() -> None:
    old = _record(id=1, title="Before the window", created_at=datetime(2024, 3, 31, tzinfo=UTC))
    new = _record(id=2, title="Inside the window", created_at=datetime(2024, 4, 1, tzinfo=UTC))
    text = "".join(page.extract_text() for page in _pdf([old, new]).pages)
    assert "Inside the window" in text
    assert "Before the window" not in text
    assert "1 reflection(s) from outside these dates" in text


def test_pdf_escapes_markup_in_user_text() -> None:
    reader = _pdf([_record(title="<b>A & B</b>", answers={"activity": "x < y\nnext"})])
    text = reader.pages[2].extract_text()
    assert "<b>A & B</b>" in text
    assert "x < y" in text


def test_long_answer_flows_onto_more_pages() -> None:
    long = " ".join(["word"] * 2000)  # 10,000 characters
    assert len(long) >= 9999
    one_word = "x" * 10_000
    reader = _pdf([_record(answers={"activity": long, "learned": one_word})])
    assert len(reader.pages) > 3


def test_welsh_and_other_scripts_print_in_an_embedded_unicode_font() -> None:
    welsh = "Gŵyl y Gwŷr: dysgais am ofal â chalon"
    others = "Ελληνικά Кириллица café £ \u2013 € \U0001f600 \x00\x0b"
    reader = _pdf([_record(title=welsh, answers={"activity": f"{welsh} {others}"}, session=welsh)])
    text = reader.pages[2].extract_text()
    assert welsh in text
    assert "Ελληνικά Кириллица café £ \u2013 €" in text
    fonts = _fonts(reader)
    assert fonts and all("DejaVuSans" in name for name in fonts)
    assert all(embedded for embedded in fonts.values())


def _fonts(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Each font the pages use, and whether its glyphs travel inside the file."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found[str(font["/BaseFont"])] = embedded
    return found


@settings(max_examples=25, deadline=None)
@given(name=st.text(max_size=100), number=st.text(max_size=20), title=st.text(max_size=150))
def test_whatever_a_member_types_the_pdf_is_made_and_opens(
    name: str, number: str, title: str
) -> None:
    records = [_record(title=title, answers={"activity": title, "learned": name})]
    standing = status(
        records=records, regulator=NMC_RULES, chosen=True, renewal=None, today=TODAY, zone=LONDON
    )
    data = reflections_pdf(
        records=records,
        status=standing,
        holder=Holder(name=name or None, registration=number or None),
        zone=LONDON,
        generated=datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
    )
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert "Page 1 of" in reader.pages[0].extract_text()
