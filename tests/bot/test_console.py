"""The local console, as a newcomer meets it: piped stdin, plain text out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.console import run_console
from handlers import Context


class Piped(io.StringIO):
    def isatty(self) -> bool:
        return False


async def _session(ctx: Context, lines: str, user: str) -> str:
    out = io.StringIO()
    await run_console(ctx=ctx, stdin=Piped(lines), stdout=out, user=user)
    return out.getvalue()


async def test_piped_commands_are_answered_in_order(ctx: Context, team: str) -> None:
    output = await _session(ctx, "/ccpl tip\nprinciples\n\nlessons\n", user=team)
    tip_at = output.index("Top tip: ")
    principles_at = output.index("The five CCPL principles")
    lessons_at = output.index("Lessons learned")
    assert tip_at < principles_at < lessons_at
    assert "[1] Another tip" in output
    assert "**" not in output and "<http" not in output


async def test_a_number_presses_the_button_shown(ctx: Context, team: str) -> None:
    output = await _session(ctx, "tip\n1\n1\n", user=team)
    titles = [line for line in output.splitlines() if line.startswith("Top tip: ")]
    assert len(titles) == 3
    assert len(set(titles)) == 3


async def test_errors_and_junk_are_kind_and_the_session_goes_on(ctx: Context, team: str) -> None:
    output = await _session(ctx, "tip zebras\nasdfgh\nquit\ntip\n", user=team)
    assert "No tip is about zebras" in output
    assert "I don't know asdfgh" in output
    assert "Top tip" not in output  # `quit` ended the session before the last line


def test_make_run_path_prints_a_tip_with_no_credentials(tmp_path: Path) -> None:
    """`printf '/ccpl tip\\n' | ccpl-bot` on a fresh directory: the console on SQLite."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "CCPL_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/ccpl tip\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Top tip: " in done.stdout
    assert "Source:" in done.stdout
    assert (tmp_path / "ccpl.db").exists()


async def test_a_reflection_by_console_prompts_keeps_answers_after_an_error(
    ctx: Context, team: str, tmp_path: Path
) -> None:
    lines = "\n".join(
        [
            "reflect what",
            "Lunch and learn",  # title
            "Patient 943 476 5919 came up",  # what: refused, asked again
            "Why it matters",  # so what
            "",  # now what
            "30",  # minutes
            "1",  # participatory
            "2",  # principles
            "",  # session
            "",  # visibility: keep private
            "",  # channel
            "We talked about trust",  # what, asked again alone
            "reflections",
            "export",
        ]
    )
    out = io.StringIO()
    await run_console(ctx=ctx, stdin=Piped(lines + "\n"), stdout=out, user=team, files=tmp_path)
    output = out.getvalue()
    assert "This looks like an NHS number" in output
    assert "Saved your reflection Lunch and learn (30 minutes of CPD), private to you." in output
    assert "Your reflections (1)" in output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".csv", ".pdf"]


async def test_a_refused_quick_note_is_asked_again_showing_the_text(
    ctx: Context, team: str, tmp_path: Path
) -> None:
    note = "Patient 943 476 5919 taught me to listen"
    lines = [
        f"reflect {note}",
        "Listening first",  # title: the note's opening, refused too
        "",  # what: Enter keeps the text as shown...
        "A patient taught me to listen",  # ...which is asked again, then changed
        "reflections",
    ]
    out = io.StringIO()
    await run_console(
        ctx=ctx, stdin=Piped("\n".join(lines) + "\n"), stdout=out, user=team, files=tmp_path
    )
    output = out.getvalue()
    assert output.count(f"You wrote: {note}") == 3  # title, then what twice
    assert "This looks like an NHS number" in output
    assert "Saved your reflection Listening first, private to you." in output
    assert "Your reflections (1)" in output


async def test_cancel_leaves_nothing_behind(ctx: Context, team: str) -> None:
    output = await _session(ctx, "reflect gibbs\nA title\ncancel\nreflections\n", user=team)
    assert "Cancelled; nothing was saved." in output
    assert "You have no reflections yet." in output
