"""The local console, as a newcomer meets it: piped stdin, plain text out."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import select
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.console import run_console
from bot.console_input import worth_remembering
from handlers import Context
from storage.crypto import DataKey

ROOT = Path(__file__).resolve().parents[2]


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


async def test_a_reflection_by_console_prompts_lists_every_problem_and_keeps_the_text(
    ctx: Context, team: str, tmp_path: Path
) -> None:
    lines = "\n".join(
        [
            "reflect what",
            "",  # title: missing
            "Patient 943 476 5919 came up",  # what: refused
            "Why it matters",  # so what
            "",  # now what
            "30",  # minutes
            "1",  # participatory
            "2",  # principles
            "",  # session
            "",  # visibility: keep private
            "",  # channel
            "Lunch and learn",  # title, asked again
            "We talked about trust",  # what, asked again
            "reflections",
            "export",
        ]
    )
    out = io.StringIO()
    await run_console(ctx=ctx, stdin=Piped(lines + "\n"), stdout=out, user=team, files=tmp_path)
    output = out.getvalue()
    problems = output.index("Please check 2 things; everything else you typed is kept:")
    # Both problems are listed before either field is asked again.
    assert problems < output.index("• Title: Please give it a short title.")
    assert problems < output.index("• What happened, what did you do or see?: This looks like")
    assert output.index("• What happened") < output.index("Title (required", problems)
    assert "Now: Patient 943 476 5919 came up" in output[problems:]
    assert "Why does it matter" not in output[problems:]  # fields without a problem are kept
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
    assert output.count(f"Now: {note}") == 3  # title, then what twice
    assert "This looks like an NHS number" in output
    assert "Saved your reflection Listening first, private to you." in output
    assert "Your reflections (1)" in output


async def test_edit_shows_the_saved_answers_and_enter_keeps_them(ctx: Context, team: str) -> None:
    answers = ["Journal club", "We read a paper", "It changed my mind", "Ask more", "45"]
    lines = ["reflect what", *answers, "1", "2,3", "", "", ""]
    edit = ["reflections", "2", "", "", "", "-", "", "", "", "", "", ""]
    output = await _session(ctx, "\n".join([*lines, *edit, "reflections", "1"]) + "\n", team)
    form = output[output.index("Edit reflection") :]
    for answer in answers:
        assert f"Now: {answer}" in form
    assert "[2] 2. Nurture a culture of shared learning  (chosen)" in form
    assert (
        "[1] 1. Bring diverse leaders" in form
        and "leaders into decisions at every level  (" not in form
    )
    assert "Saved your reflection Journal club (45 minutes of CPD)" in form
    viewed = output[output.rindex("Journal club") :]
    assert "It changed my mind" in viewed
    assert "Ask more" not in viewed  # cleared with `-`


async def test_a_shared_reflection_names_its_channel_as_people_do(ctx: Context, team: str) -> None:
    lines = ["reflect what", "Handover", "A good handover", "", "", "", "", "", "", "2", "#console"]
    output = await _session(ctx, "\n".join(lines) + "\n", team)
    assert "Saved your reflection Handover, and shared anonymously with the forum." in output
    posted = output[output.index("[post in #console]") :]
    assert "A good handover" in posted


async def test_cancel_leaves_nothing_behind(ctx: Context, team: str) -> None:
    output = await _session(ctx, "reflect gibbs\nA title\ncancel\nreflections\n", user=team)
    assert "Cancelled; nothing was saved." in output
    assert "You have no reflections yet." in output


async def test_buttons_on_a_channel_post_are_numbered_and_pressable(
    sctx: Context, team: str, tmp_path: Path
) -> None:
    lines = 'poll "Which day suits?" "Tuesday" "Thursday"\n2\n4\n1\n'
    out = io.StringIO()
    files = tmp_path / "exports"
    await run_console(ctx=sctx, stdin=Piped(lines), stdout=out, user=team, files=files)
    output = out.getvalue()
    # The answer comes first, then the post it made, with the buttons numbered.
    assert output.index("Posting your poll") < output.index("[post in #console]")
    assert "[1] Tuesday  [2] Thursday  [3] Results  [4] Close poll  [5] Export CSV" in output
    voted = output[output.index("You voted for “Thursday”") :]
    updated = voted[voted.index("[updated post in #console]") :]
    assert "Thursday\n▓▓▓▓▓▓▓▓▓▓  1 vote · 100%" in updated
    assert "Poll closed with 1 vote" in updated
    assert "Closed: Which day suits?" in updated and "[1] Export CSV" in updated
    assert [p.name for p in files.iterdir()] == ["poll-1.csv"]


async def test_quiet_and_check_in_agree_and_take_the_console_channel(
    sctx: Context, team: str
) -> None:
    lines = "quiet #console\ncheck-in #console 7\nquiet\n"
    output = await _session(sctx, lines, user=team)
    assert "didn't follow" not in output
    # You run the console's network, so neither report counts you among the quiet.
    assert output.count("No one else in #console has gone quiet in the last 30 days.") == 2
    assert f"@{team}" not in output
    assert "No one in #console to invite just now." in output
    assert "Left out: you, who sent the invitations." in output


def _console_env(tmp_path: Path) -> dict[str, str]:
    """The environment of `ccpl-bot console` on a fresh machine, with this checkout's code."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "CCPL_"))
    }
    env["CCPL_DATA_KEY"] = DataKey.generate().text()
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path)
    return env


def test_a_piped_session_votes_in_a_poll_and_rsvps_to_a_lunch(tmp_path: Path) -> None:
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    lines = [
        'poll "Which day suits?" "Tuesday" "Thursday"',
        "1",  # Tuesday, on the poll's post
        "2",  # changed to Thursday, on the updated post
        "lunch add",
        "Trust across boundaries",  # title
        "3",  # topic
        "",  # own topic
        day,
        "",  # start time: 12:30 kept
        "",  # length: 45 kept
        "https://meet.example.org/lunch",
        "Dr Okafor",
        "",  # places: no limit
        "1",  # Going, on the announcement
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_console_env(tmp_path),
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    output = done.stdout
    poll = output[output.rindex("[updated post in #console]\nWhich day suits?") :]
    assert "Tuesday\n░░░░░░░░░░  0 votes · 0%\nThursday\n▓▓▓▓▓▓▓▓▓▓  1 vote · 100%" in poll
    lunch = output[output.index("Announcing Trust across boundaries") :]
    assert "[post in #console]\nLunch and learn: Trust across boundaries" in lunch
    assert "You're going to Trust across boundaries" in lunch
    assert "(Going: 1 · Maybe: 0)" in lunch[lunch.index("[updated post in #console]") :]
    assert (tmp_path / "exports" / "session.ics").exists()


def _controlled_by_stdin() -> None:
    """Make the pseudo-terminal the console's own, so Ctrl-C there interrupts it."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`ccpl-bot console` at a terminal: a pseudo-terminal, typed keys, what it shows."""

    def __init__(self, tmp_path: Path, *, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp_path,
            env={**env, "TERM": "xterm"},
            close_fds=True,
            start_new_session=True,
            preexec_fn=_controlled_by_stdin,
        )
        os.close(slave)
        self.shown = ""

    def wait_for(self, text: str, *, count: int = 1, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while self.shown.count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"never showed {text!r}:\n{self.shown}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.shown += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the console has gone, and its terminal with it
                    assert self.shown.count(text) >= count, self.shown
                    return

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def ended(self) -> int:
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(self.shown) from None
        with contextlib.suppress(OSError):
            while chunk := os.read(self.master, 65536):
                self.shown += chunk.decode(errors="replace")
        os.close(self.master)
        return code


def test_at_a_terminal_history_recalls_commands_and_ctrl_c_or_d_leave_cleanly(
    tmp_path: Path,
) -> None:
    env = _console_env(tmp_path)  # one data key for both sessions, as on one machine
    first = Terminal(tmp_path, env=env)
    first.wait_for("ccpl> ")
    first.type("tip\r")
    first.wait_for("ccpl> ", count=2)
    first.type("reflect Spoke with the discharge team about trust\r")
    first.wait_for("Saved as a quick note")
    first.wait_for("ccpl> ", count=3)
    first.type("reflect what\r")
    first.wait_for("Title")
    first.type("Private words\r")
    first.wait_for("What happened")
    first.type("\x03")  # Ctrl-C, in the middle of the form
    assert first.ended() == 0
    assert "Stopped. Anything not yet saved was left unsaved." in first.shown
    assert "Traceback" not in first.shown

    history = tmp_path / "ccpl.db.history"
    assert history.stat().st_mode & 0o777 == 0o600
    kept = history.read_text(encoding="utf-8").splitlines()
    # Commands only: never a quick note or a form's answers, which are sealed elsewhere.
    assert kept == ["tip", "reflect what"]

    second = Terminal(tmp_path, env=env)
    second.wait_for("ccpl> ")
    second.type("\x1b[A\r")  # Up, Enter: the last command again
    second.wait_for("Title")
    second.wait_for("\n> ")
    second.type("\x04")  # Ctrl-D ends input, in a form as at the prompt
    assert second.ended() == 0
    assert "Cancelled; nothing was saved." in second.shown
    assert "Traceback" not in second.shown


@settings(max_examples=200, deadline=None)
@given(
    command=st.sampled_from(["reflect", "note", "Reflection", "/ccpl reflect"]),
    note=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1),
)
def test_no_quick_note_is_ever_kept_in_the_history(command: str, note: str) -> None:
    """However a quick note is typed, the history file never holds it."""
    assume(not all(word.lower() in ("nmc", "gibbs", "what") for word in note.split()))
    assert not worth_remembering(f"{command} {note}")
