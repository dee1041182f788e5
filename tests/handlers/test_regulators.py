"""Each regulator's window and targets, counted the way its registrants will be reviewed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from handlers.reflections.records import QUICK_NOTE, ReflectionRecord
from handlers.reflections.regulators import (
    GMC,
    GPHC,
    HCPC,
    NMC,
    REGULATORS,
    SWE,
    gaps,
    hours_and_minutes,
    status,
    suggested,
    window,
)
from handlers.reflections.templates import TEMPLATES

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 30)


def _record(*, id: int, day: date, template_id: str | None, **extra: Any) -> ReflectionRecord:
    template = TEMPLATES.get(template_id or "")
    answers = {p.id: "Written" for p in template.prompts} if template else {QUICK_NOTE: "Jot"}
    at = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    return ReflectionRecord(
        id=id,
        created_at=at,
        updated_at=at,
        template_id=template_id,
        title=f"Record {id}",
        answers={**answers, **extra.pop("answers", {})},
        **extra,
    )


def test_the_nmc_window_is_the_three_years_before_the_revalidation_date() -> None:
    span = window(regulator=NMC, renewal=date(2027, 4, 30), today=TODAY)
    assert (span.start, span.end, span.from_renewal) == (date(2024, 5, 1), date(2027, 4, 30), True)


def test_the_gphc_window_is_the_registration_year_ending_at_renewal() -> None:
    span = window(regulator=GPHC, renewal=date(2027, 3, 31), today=TODAY)
    assert (span.start, span.end) == (date(2026, 4, 1), date(2027, 3, 31))


def test_a_renewal_date_already_past_rolls_on_by_the_cycle() -> None:
    def end(regulator: Any, renewal: date) -> date:
        return window(regulator=regulator, renewal=renewal, today=TODAY).end

    assert end(SWE, date(2026, 11, 30)) == date(2026, 11, 30)  # today is still this year's
    assert end(SWE, date(2026, 11, 29)) == date(2027, 11, 29)  # yesterday's has gone in
    assert end(SWE, date(2023, 11, 30)) == date(2026, 11, 30)
    assert end(NMC, date(2026, 1, 31)) == date(2029, 1, 31)
    assert end(HCPC, date(2026, 11, 1)) == date(2028, 11, 1)


def test_without_a_date_the_window_ends_today_and_says_so() -> None:
    span = window(regulator=NMC, renewal=None, today=TODAY)
    assert (span.start, span.end, span.from_renewal) == (date(2023, 12, 1), TODAY, False)
    standing = status(
        records=(), regulator=NMC, chosen=False, renewal=None, today=TODAY, zone=LONDON
    )
    caveats = " ".join(standing.caveats())
    assert "No regulator set" in caveats and "No revalidation date set" in caveats


def test_a_29_february_renewal_counts_back_to_the_28th() -> None:
    span = window(regulator=NMC, renewal=date(2028, 2, 29), today=TODAY)
    assert span.start == date(2025, 3, 1)


def test_nmc_counts_hours_participatory_hours_accounts_and_feedback() -> None:
    records = [
        _record(id=1, day=date(2026, 1, 5), template_id="nmc", cpd_minutes=215, participatory=True),
        _record(id=2, day=date(2026, 2, 5), template_id="gibbs", cpd_minutes=60),
        _record(id=3, day=date(2026, 3, 5), template_id=None, cpd_minutes=30, participatory=True),
        _record(id=4, day=date(2024, 4, 30), template_id="nmc", cpd_minutes=600),  # before
        _record(id=5, day=date(2026, 4, 5), template_id="nmc-feedback"),
    ]
    standing = status(
        records=records,
        regulator=NMC,
        chosen=True,
        renewal=date(2027, 4, 30),
        today=TODAY,
        zone=LONDON,
    )
    assert [line.text() for line in standing.lines] == [
        "CPD: 5 h 5 min of 35 h (29 h 55 min to go)",
        "Participatory: 4 h 5 min of 20 h (15 h 55 min to go)",
        "Reflective accounts (NMC form): 1 of 5 (4 to go)",
        "Practice-related feedback: 1 of 5 (4 to go)",
    ]
    assert [r.id for r in standing.records] == [1, 2, 3, 5]


def test_gphc_counts_its_four_kinds_of_record() -> None:
    kinds = ["gphc-planned", "gphc-planned", "gphc-unplanned", "gphc-peer", "gphc-account"]
    records = [
        _record(id=n, day=date(2026, 6, n), template_id=kind) for n, kind in enumerate(kinds, 1)
    ]
    records.append(_record(id=9, day=date(2026, 6, 9), template_id=None))  # a note counts for none
    standing = status(
        records=records,
        regulator=GPHC,
        chosen=True,
        renewal=date(2027, 3, 31),
        today=TODAY,
        zone=LONDON,
    )
    assert [line.text() for line in standing.lines] == [
        "CPD records: 3 of 4 (1 to go)",
        "Planned learning: 2 of 2 (met)",
        "Peer discussion: 1 of 1 (met)",
        "Reflective account: 1 of 1 (met)",
    ]
    assert [line.met for line in standing.lines] == [False, True, True, True]


def test_social_work_england_needs_a_peer_reflection_written_in() -> None:
    records = [
        _record(id=1, day=date(2026, 1, 5), template_id="swe", answers={"peer": " "}),
        _record(id=2, day=date(2026, 2, 5), template_id="what"),
    ]
    standing = status(
        records=records,
        regulator=SWE,
        chosen=True,
        renewal=date(2026, 11, 30),
        today=TODAY,
        zone=LONDON,
    )
    assert [line.text() for line in standing.lines] == [
        "CPD records: 2 of 2 (met)",
        "With a peer reflection: 0 of 1 (1 to go)",
    ]


def test_the_gmc_sets_no_number_so_none_is_claimed() -> None:
    records = [_record(id=1, day=date(2026, 6, 1), template_id="gmc", cpd_minutes=45)]
    standing = status(
        records=records,
        regulator=GMC,
        chosen=True,
        renewal=date(2027, 5, 1),
        today=TODAY,
        zone=LONDON,
    )
    assert [line.text() for line in standing.lines] == [
        "Reflections for appraisal: 1 (no set number)",
        "CPD time: 45 min (no set number)",
    ]
    assert all(line.met is None for line in standing.lines)


def test_a_reflection_late_in_the_evening_counts_on_its_local_day() -> None:
    late = ReflectionRecord(
        id=1,
        created_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),  # 00:30 on 1 April in London
        updated_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
        template_id="gphc-planned",
        title="Late",
        answers={},
    )
    standing = status(
        records=[late],
        regulator=GPHC,
        chosen=True,
        renewal=date(2026, 3, 31),
        today=date(2026, 3, 1),
        zone=LONDON,
    )
    assert standing.records == ()


def test_professions_suggest_their_regulator() -> None:
    expected = {
        "nurses": "nmc",
        "midwives": "nmc",
        "pharmacists": "gphc",
        "allied-health-professionals": "hcpc",
        "psychologists": "hcpc",
        "healthcare-scientists": "hcpc",
        "gps": "gmc",
        "secondary-care-clinicians": "gmc",
        "social-care": "swe",
    }
    for profession, regulator in expected.items():
        found = suggested(profession)
        assert found is not None and found.id == regulator
    assert suggested("other") is None and suggested(None) is None


def test_every_regulator_cites_a_source_and_offers_its_own_templates() -> None:
    for regulator in REGULATORS.values():
        assert regulator.source.startswith("https://")
        assert regulator.templates and all(t in TEMPLATES for t in regulator.templates)
        assert all(TEMPLATES[t].regulator == regulator.id for t in regulator.templates)


def test_gaps_of_three_months_or_more_are_found_from_edge_to_edge() -> None:
    span = window(regulator=HCPC, renewal=date(2027, 6, 30), today=TODAY)  # from 1 July 2025
    days = [date(2025, 9, 30), date(2025, 12, 29), date(2026, 3, 28), date(2027, 6, 30)]
    assert gaps(window=span, days=days) == [(date(2026, 3, 29), date(2027, 6, 29))]
    three_months = [date(2025, 9, 30), date(2025, 12, 30), date(2026, 3, 31), date(2027, 6, 30)]
    assert (date(2025, 12, 31), date(2026, 3, 30)) in gaps(window=span, days=three_months)
    assert gaps(window=span, days=[]) == [(span.start, span.end)]


@given(st.integers(min_value=0, max_value=100_000))
def test_hours_and_minutes_read_back_to_the_same_minutes(minutes: int) -> None:
    shown = hours_and_minutes(minutes)
    match = re.fullmatch(r"(?:(\d+) h)?(?: ?(\d+) min)?", shown)
    assert match is not None and "." not in shown
    hours, rest = (int(part) if part else 0 for part in match.groups())
    assert hours * 60 + rest == minutes
    assert rest < 60
