"""Bank holidays at the console: the confirm step flags Christmas Day kept, and
`meeting holidays` changes it after confirming, showing the dates again."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers import Context
from tests.bot.test_console import _session
from tests.clock import FakeClock


async def test_a_meeting_kept_on_christmas_is_flagged_then_moved(sctx: Context, team: str) -> None:
    assert isinstance(sctx.clock, FakeClock)
    sctx.clock.now = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    # The form's answers, Enter keeping each default, then [1] Confirm.
    form = "meeting\nTeam huddle\nevery Friday at 10:00\n\n\n\n\n1\n"
    output = await _session(sctx, form + "meeting holidays 1 move\n", user=team)
    assert "Fri 25 Dec 2026 is Christmas Day, a bank holiday: it will still post" in output
    assert "Team huddle is scheduled" in output
    changed = output[output.index("From now on it moves a post off a bank holiday") :]
    assert "Fri 25 Dec 2026 moved to Tue 29 Dec 2026, the next working day" in changed
    assert "it will still post" not in changed
