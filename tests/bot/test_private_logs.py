"""Logs carry no request body, message text, reflection text or SQL parameters, at any level.

Everything here captures the root logger at DEBUG, as an operator chasing a fault
would set it, and then looks for the person's words in every record.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings
from handlers import Actor, Context
from storage import Database
from tests.bot.slack_harness import running_bot, submit_view

# One word no code or library would log by chance: bodies are URL- or JSON-encoded, so
# the whole sentence could pass unnoticed as "Unmistakable+reflective+..." where the word cannot.
WORD = "Quarrelsomeflamingo4417"
SECRET = f"Unmistakable reflective {WORD} sentence"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # Before the app is built: Bolt gives each of its loggers the root's level at that moment.
    configure_logging(level=logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    configure_logging(level=logging.WARNING)


def _said(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler would write it, tracebacks included."""
    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_forged_and_signed_reflections_never_reach_a_log(
    ctx: Context, actor: Actor, debug_logs: pytest.LogCaptureFixture
) -> None:
    async with running_bot(ctx=ctx) as bot:
        body = bot.command_body(
            text=f"reflect {SECRET} quick", team=actor.workspace, user=actor.user, key="k"
        )
        # A wrong signing secret is a common set-up mistake: Bolt then logs the body at INFO.
        forged = await bot.post(
            body, content_type="application/x-www-form-urlencoded", secret="not-the-secret"
        )
        assert forged.status == 401
        unsigned = await bot.post(
            body, content_type="application/x-www-form-urlencoded", secret=None
        )
        assert unsigned.status == 401
        await bot.command(text=f"reflect {SECRET} quick", team=actor.workspace, user=actor.user)
        opened = await bot.post(
            bot.command_body(text="reflect what", team=actor.workspace, user=actor.user, key="f"),
            content_type="application/x-www-form-urlencoded",
        )
        assert opened.status == 200
        [call] = await bot.fake.wait_for("views.open")
        sent = await submit_view(
            bot,
            view=call.params["view"],
            answers={"title": "Private", "what": SECRET},
            team=actor.workspace,
            user=actor.user,
        )
        assert sent.status == 200
        # A body Bolt cannot read as a payload at all.
        await bot.post(
            urlencode({"payload": SECRET}), content_type="application/x-www-form-urlencoded"
        )
        await bot.settle()
    assert debug_logs.records, "nothing was captured: the test would prove nothing"
    assert WORD not in _said(debug_logs)


async def test_a_database_error_never_logs_its_parameters(
    database: Database, debug_logs: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("ccpl.test")
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table WHERE x = :p"), {"p": SECRET})
    except Exception:
        log.exception("a query failed")
    else:
        pytest.fail("the query should have failed")
    assert "a query failed" in _said(debug_logs)
    assert WORD not in _said(debug_logs)


def test_library_records_below_warning_are_dropped_and_bodies_redacted(
    capsys: pytest.CaptureFixture[str], debug_logs: pytest.LogCaptureFixture
) -> None:
    # capsys first: our handler writes to the stderr it finds when logging is set up.
    # A logger the library creates later, with its own level: Bolt does this per app.
    late = logging.getLogger("slack_bolt.SomethingNew")
    late.setLevel(logging.DEBUG)
    late.info("Invalid request signature detected (body: %s)", SECRET)
    late.warning("Failed to run a listener (body: %s)", SECRET)
    logging.getLogger("slack_sdk.web.base_client").debug("Received ... body: %s", SECRET)
    logging.getLogger("ccpl.ours").info("our own line")
    written = capsys.readouterr().err
    assert "our own line" in written
    assert "Failed to run a listener" in written
    assert WORD not in written


def test_json_format_writes_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level=logging.INFO, json_format=True)
    try:
        logging.getLogger("ccpl.test").info(
            "answered", extra={"command": "tip", "outcome": "ok", "ms": 12}
        )
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("ccpl.test").exception("it failed")
    finally:
        configure_logging(level=logging.WARNING)
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    first, second = (json.loads(line) for line in lines[-2:])
    assert first["level"] == "INFO"
    assert first["logger"] == "ccpl.test"
    assert first["message"] == "answered"
    assert (first["command"], first["outcome"], first["ms"]) == ("tip", "ok", 12)
    assert "time" in first
    assert second["level"] == "ERROR"
    assert "ValueError" in second["error"]


@pytest.mark.parametrize(
    ("word", "level"),
    [("DEBUG", logging.DEBUG), ("info", logging.INFO), ("Warning", logging.WARNING), ("ERROR", 40)],
)
def test_log_level_is_read_from_the_environment(word: str, level: int) -> None:
    assert load_settings(environ={"CCPL_LOG_LEVEL": word}, env_file=None).log_level == level
    assert load_settings(environ={}, env_file=None).log_level is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("CCPL_LOG_LEVEL", "verbose"), ("CCPL_LOG_LEVEL", "10"), ("CCPL_LOG_FORMAT", "xml")],
)
def test_a_bad_log_setting_is_named_in_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={name: value}, env_file=None)
    assert str(raised.value).startswith(name) and "\n" not in str(raised.value)


def test_log_format_json_is_read() -> None:
    assert load_settings(environ={"CCPL_LOG_FORMAT": "json"}, env_file=None).log_format == "json"
    assert load_settings(environ={}, env_file=None).log_format == "text"


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "ccpl.requests"]


async def test_one_line_per_request_names_the_command_and_outcome_never_content(
    ctx: Context, actor: Actor, debug_logs: pytest.LogCaptureFixture
) -> None:
    async with running_bot(ctx=ctx) as bot:
        await bot.command(text="tip", team=actor.workspace, user=actor.user)
        await bot.command(text=f"reflect {SECRET} quick", team=actor.workspace, user=actor.user)
        await bot.command(text=f"{WORD} please", team=actor.workspace, user=actor.user)
        await bot.command(text="audit", team=actor.workspace, user=actor.user)  # admins only
        forged = await bot.post(
            bot.command_body(text="tip", team=actor.workspace, user=actor.user, key="x"),
            content_type="application/x-www-form-urlencoded",
            secret=None,
        )
        assert forged.status == 401
        await bot.settle()
    lines = _lines(debug_logs)
    got = [(getattr(r, "command", None), getattr(r, "outcome", None)) for r in lines]
    assert got == [
        ("tip", "ok"),
        ("reflect", "ok"),
        ("unknown", "ok"),  # answered with help; the word typed is not repeated
        ("audit", "refused"),
        (None, "refused"),
    ]
    for record in lines:
        assert isinstance(getattr(record, "ms", None), int)
        assert record.route == "/slack/events"  # type: ignore[attr-defined]
    assert WORD not in _said(debug_logs)
