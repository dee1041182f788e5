"""Reflection exports: CPD arithmetic, a CSV Excel can open, a PDF laid out per account."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pypdf

from handlers.reflections.export import (
    CpdSummary,
    cpd_summary,
    reflections_csv,
    reflections_pdf,
)
from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.templates import GIBBS, NMC

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 12)
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
    data = reflections_pdf(
        records=records,
        summary=cpd_summary(records=records, today=TODAY),
        person="Sam Jones (RN)",
        zone=LONDON,
        generated=datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
    )
    return pypdf.PdfReader(io.BytesIO(data))


# cpd_summary


def test_window_starts_on_the_same_day_three_years_back() -> None:
    assert cpd_summary(records=[], today=TODAY).since == date(2023, 11, 12)
    assert cpd_summary(records=[], today=date(2028, 2, 29)).since == date(2025, 2, 28)


def test_a_record_on_the_first_day_counts_and_one_the_day_before_does_not() -> None:
    since = date(2023, 11, 12)
    on_edge = _record(id=1, created_at=_at(since), cpd_minutes=60)
    before = _record(id=2, created_at=_at(since) - timedelta(seconds=1), cpd_minutes=600)
    summary = cpd_summary(records=[on_edge, before], today=TODAY)
    assert summary.hours == 1
    assert summary.accounts == 1


def test_quick_notes_add_hours_but_are_not_accounts() -> None:
    records = [
        _record(id=1, cpd_minutes=90, participatory=True),
        _note(id=2, cpd_minutes=30),
    ]
    summary = cpd_summary(records=records, today=TODAY)
    assert summary.hours == 2
    assert summary.participatory_hours == 1.5
    assert summary.accounts == 1


def test_lines_say_what_is_left_and_what_is_met() -> None:
    summary = CpdSummary(since=date(2023, 11, 12), hours=12.5, participatory_hours=20, accounts=3)
    assert summary.lines() == [
        "CPD: 12.5 of 35 hours (22.5 to go)",
        "Participatory: 20 of 20 hours (met)",
        "Reflective accounts: 3 of 5 (2 to go)",
    ]


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


def test_pdf_has_a_cover_and_one_page_per_reflection() -> None:
    records = [_record(id=i, created_at=datetime(2026, 1, i, tzinfo=UTC)) for i in range(1, 4)]
    reader = _pdf([*records, _note(id=9)])
    assert len(reader.pages) == 1 + 4
    cover = reader.pages[0].extract_text()
    assert "CPD reflections for revalidation" in cover
    assert "Sam Jones (RN)" in cover
    assert "12 November 2023" in cover
    assert "Reflective accounts: 3 of 5" in cover
    assert reader.metadata is not None
    assert reader.metadata.title is not None
    assert reader.metadata.title.startswith("CPD reflections for revalidation")
    assert reader.metadata.author == "Sam Jones (RN)"


def test_pdf_reflection_page_reads_as_a_reflective_account() -> None:
    record = _record(
        created_at=datetime(2026, 7, 12, 23, 30, tzinfo=UTC),
        cpd_minutes=90,
        participatory=True,
        principles=(2, 4),
        code_themes=("practise-effectively",),
        answers={**NMC_ANSWERS, "code": "  "},
    )
    page = _pdf([record]).pages[1].extract_text()
    for prompt in NMC.prompts:
        assert prompt.heading in page
    assert NMC_ANSWERS["learned"] in page
    assert "(not answered)" in page
    assert "13 July 2026" in page
    assert "1 hour 30 minutes, participatory" in page
    assert "CCPL principles: 2, 4" in page
    assert "Practise effectively" in page


def test_pdf_quick_note_shows_its_heading() -> None:
    page = _pdf([_note()]).pages[1].extract_text()
    assert "Quick note" in page
    assert "Jot: ask about rota" in page


def test_pdf_escapes_markup_in_user_text() -> None:
    page = _pdf([_record(title="<b>A & B</b>", answers={"activity": "x < y\nnext"})]).pages[1]
    text = page.extract_text()
    assert "<b>A & B</b>" in text
    assert "x < y" in text


def test_long_answer_flows_onto_more_pages() -> None:
    long = " ".join(["word"] * 2000)  # 10,000 characters
    assert len(long) >= 9999
    one_word = "x" * 10_000
    reader = _pdf([_record(answers={"activity": long, "learned": one_word})])
    assert len(reader.pages) > 2


def test_unicode_punctuation_does_not_raise() -> None:
    text = (
        "\u2019 \u201c \u201d \u00e9 \u00a3 \u2013 \u2014 \u20ac \U0001f600 \u4e2d\u6587 \x00\x0b"
    )
    reader = _pdf([_record(title=text, answers={"activity": text}, session=text)])
    assert len(reader.pages) == 2
    assert "\u00e9 \u00a3" in reader.pages[1].extract_text()
