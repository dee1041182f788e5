"""`ccpl-bot schedule preview`: the next dates, right across both clock changes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]


def preview(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "schedule", "preview", *args],
        # This checkout's code, whichever checkout the environment was installed from.
        env={k: v for k, v in os.environ.items() if not k.startswith("CCPL_")}
        | {"PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_monthly_phrase_across_the_autumn_change(tmp_path: Path) -> None:
    done = preview(
        "first Tuesday of the month at 12:30", "--from", "2026-10-01", "--count", "3", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "2026-10-06T12:30:00+01:00",
        "2026-11-03T12:30:00+00:00",
        "2026-12-01T12:30:00+00:00",
    ]


def test_a_time_in_the_spring_gap_moves_forward_and_autumn_is_not_doubled(
    tmp_path: Path,
) -> None:
    spring = preview("every day at 01:30", "--from", "2027-03-27", "--count", "3", cwd=tmp_path)
    assert spring.stdout.splitlines() == [
        "2027-03-27T01:30:00+00:00",
        "2027-03-28T02:30:00+01:00",
        "2027-03-29T01:30:00+01:00",
        "note: Mon 29 Mar 2027 is Easter Monday, a bank holiday: it will still post; "
        "choose skip or move to change that",
    ]
    autumn = preview("every day at 01:30", "--from", "2026-10-24", "--count", "3", cwd=tmp_path)
    assert autumn.stdout.splitlines() == [
        "2026-10-24T01:30:00+01:00",
        "2026-10-25T01:30:00+01:00",
        "2026-10-26T01:30:00+00:00",
    ]


def test_rrule_and_time_zone(tmp_path: Path) -> None:
    done = preview(
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0",
        "--tz",
        "America/New_York",
        "--from",
        "2026-11-01",
        "--count",
        "2",
        cwd=tmp_path,
    )
    assert done.stdout.splitlines() == [
        "2026-11-27T09:00:00-05:00",
        "2026-12-25T09:00:00-05:00",
        "note: Fri 25 Dec 2026 is Christmas Day, a bank holiday: it will still post; "
        "choose skip or move to change that",
    ]


def test_an_unreadable_phrase_exits_2_and_says_what_it_understands(tmp_path: Path) -> None:
    done = preview("every blue moon", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "first Tuesday of the month at 12:30" in done.stderr
    assert "RRULE" in done.stderr


def test_without_from_the_preview_starts_after_now(tmp_path: Path) -> None:
    now = datetime.now(ZoneInfo("Europe/London"))
    if now.time() < time(0, 5):
        pytest.skip("too close to midnight for an earlier time today")
    earlier = (now - timedelta(minutes=2)).strftime("%H:%M")
    done = preview(f"every day at {earlier}", "--tz", "Europe/London", "--count", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [first] = done.stdout.splitlines()
    assert datetime.fromisoformat(first) > now


def test_moving_christmas_day_is_named_in_the_preview(tmp_path: Path) -> None:
    args = ("last Friday of the month at 12:30", "--from", "2026-12-01", "--count", "2")
    done = preview(*args, "--holidays", "move", "--region", "ENG", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "2026-12-29T12:30:00+00:00",
        "2027-01-29T12:30:00+00:00",
    ]
    assert "note: Fri 25 Dec 2026 moved to Tue 29 Dec 2026" in done.stdout
    skipped = preview(*args, "--holidays", "skip", cwd=tmp_path)
    assert skipped.stdout.splitlines()[0] == "2027-01-29T12:30:00+00:00"
    assert "note: Fri 25 Dec 2026 skipped: Christmas Day" in skipped.stdout


def test_the_31st_names_the_short_months_skipped(tmp_path: Path) -> None:
    done = preview(
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9",
        "--tz",
        "Europe/London",
        "--from",
        "2027-01-01",
        "--count",
        "2",
        cwd=tmp_path,
    )
    assert done.stdout.splitlines() == [
        "2027-01-31T09:00:00+00:00",
        "2027-03-31T09:00:00+01:00",
        "note: February 2027 has no 31st: skipped",
    ]
