"""Start-up: a bad setting stops with one line naming it; the CLI's own commands."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.http import build_web_app
from bot.settings import SettingsError, load_settings
from storage import Database
from storage.crypto import DataKey


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_", "DATAB"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_defaults_need_no_settings_at_all() -> None:
    settings = load_settings(environ={}, env_file=None)
    assert settings.has_slack is False
    assert settings.database_url == "sqlite+aiosqlite:///ccpl.db"
    assert settings.timezone.key == "Europe/London"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("CCPL_TIMEZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_BOT_TOKEN", "xoxp-a-user-token"),
        ("CCPL_CONTENT_DIR", "/no/such/folder"),
        ("CCPL_ADMINS", "U012ABCDEF, not an id!"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(environ={name: value}, env_file=None)
    done = _cli("console", env={name: value}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and name in done.stderr


@pytest.mark.parametrize("hours", ["inf", "1e400"])
def test_an_endless_catch_up_grace_is_named_too(hours: str) -> None:
    with pytest.raises(SettingsError, match=r"^CCPL_CATCHUP_GRACE_HOURS must be from 0 to 168$"):
        load_settings(environ={"CCPL_CATCHUP_GRACE_HOURS": hours}, env_file=None)


def test_dotenv_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("CCPL_TIMEZONE=Europe/Dublin\nPORT=4000\n")
    settings = load_settings(environ={"PORT": "5000"}, env_file=env_file)
    assert (settings.timezone.key, settings.port) == ("Europe/Dublin", 5000)


def test_a_malformed_setting_in_dotenv_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CCPL_TIMEZONE=Europe/Dublin\nCCPL_CATCHUP_GRACE_HOURS=six\n")
    done = _cli("console", env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "CCPL_CATCHUP_GRACE_HOURS" in done.stderr
    assert "Traceback" not in done.stderr


def test_env_example_copied_as_is_gives_the_defaults(tmp_path: Path) -> None:
    # People start from a copy of .env.example: its blank values mean "not set", and a line
    # another tool put in the same file is none of ours.
    example = (Path(__file__).parents[2] / ".env.example").read_text(encoding="utf-8")
    env_file = tmp_path / ".env"
    env_file.write_text(example + "SOME_OTHER_TOOL=1\nPORT=4000\n", encoding="utf-8")
    settings = load_settings(environ={"PORT": " "}, env_file=env_file)
    assert settings == load_settings(environ={}, env_file=None)
    assert settings.has_slack is False and settings.has_teams is False


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("True", True), ("0", False), ("FALSE", False)]
)
def test_teams_anonymous_reads_1_0_true_and_false(value: str, expected: bool) -> None:
    settings = load_settings(environ={"CCPL_TEAMS_ANONYMOUS": value}, env_file=None)
    assert settings.teams_anonymous is expected


@pytest.mark.parametrize("value", ["yes", "On", "no", "off"])
def test_teams_anonymous_refuses_words_that_only_look_like_switches(value: str) -> None:
    """`yes` was once silently taken as on; a switch that opens /api/messages to anyone
    takes only the words settings document."""
    with pytest.raises(SettingsError, match=r"^CCPL_TEAMS_ANONYMOUS must be 1 or 0"):
        load_settings(environ={"CCPL_TEAMS_ANONYMOUS": value}, env_file=None)


def test_teams_anonymous_names_itself_for_any_other_word() -> None:
    with pytest.raises(SettingsError, match=r"^CCPL_TEAMS_ANONYMOUS must be 1 or 0, got 'maybe'$"):
        load_settings(environ={"CCPL_TEAMS_ANONYMOUS": "maybe"}, env_file=None)


def test_serve_without_signing_secret_names_it(tmp_path: Path) -> None:
    done = _cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET" in done.stderr


def test_settings_repr_hides_secrets() -> None:
    settings = load_settings(
        environ={"SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_SIGNING_SECRET": "shh-123"},
        env_file=None,
    )
    assert "secret-value" not in repr(settings) and "shh-123" not in repr(settings)


def test_settings_printed_or_logged_hide_secrets(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        environ={
            "SLACK_BOT_TOKEN": "xoxb-secret-value",
            "MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001",
            "MICROSOFT_APP_PASSWORD": "app-password",
        },
        env_file=None,
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("ccpl.test").info("starting with %s", settings)
    for shown in (str(settings), f"{settings}", caplog.text):
        assert "secret-value" not in shown and "app-password" not in shown


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "sqlite:///data.db", "CCPL_DATA_KEY": DataKey.generate().text()}
    done = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "database at revision" in done.stdout
    assert (tmp_path / "data.db").exists()


def test_content_validate_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "tips.yaml").write_text("- id: our-own\n  titel: Typo in a key\n", encoding="utf-8")
    done = _cli("content", "validate", str(pack), env={}, cwd=tmp_path)
    assert done.returncode == 1
    assert "tips.yaml:" in done.stdout
    assert "titel" in done.stdout


def test_content_validate_names_a_misnamed_file_and_needs_a_directory(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "tips.yml").write_text("[]\n", encoding="utf-8")
    done = _cli("content", "validate", str(pack), env={}, cwd=tmp_path)
    assert done.returncode == 1
    assert "tips.yml: unknown file name; rename it to tips.yaml" in done.stdout
    nowhere = _cli("content", "validate", env={}, cwd=tmp_path)
    assert nowhere.returncode == 2
    assert "CCPL_CONTENT_DIR" in nowhere.stderr


def test_content_validate_accepts_the_builtin_shape(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _cli("content", "validate", str(empty), env={}, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


async def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    unreachable = Database(url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    server = TestServer(build_web_app(database=unreachable, slack=None), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http, http.get(server.make_url("/healthz")) as resp:
            assert resp.status == 503
            assert (await resp.json())["status"] == "database unavailable"
    finally:
        await server.close()
        await unreachable.dispose()


def test_a_broken_content_overlay_stops_start_up_listing_problems(tmp_path: Path) -> None:
    pack = tmp_path / "ours"
    pack.mkdir()
    (pack / "tips.yaml").write_text("- id: x\n  title: T\n", encoding="utf-8")
    done = _cli("console", env={"CCPL_CONTENT_DIR": str(pack)}, cwd=tmp_path)
    assert done.returncode == 2
    assert "CCPL_CONTENT_DIR has" in done.stderr and "tips.yaml:1" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_organisation_overlay_changes_what_people_read(tmp_path: Path) -> None:
    pack = tmp_path / "ours"
    pack.mkdir()
    (pack / "lessons.yaml").write_text(
        "- id: our-lesson\n  title: Meet in person first\n"
        "  text: Our network found that one in-person meeting speeds everything after.\n"
        "  source: practical-guide\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="lessons\n",
        env={**os.environ, "CCPL_CONTENT_DIR": str(pack), "DATABASE_URL": "sqlite:///o.db"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "6. Meet in person first" in done.stdout


def test_an_unreachable_postgres_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://ccpl:hunter2@127.0.0.1:1/ccpl"
    done = _cli("console", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert done.returncode == 1
    assert "cannot open the database" in done.stderr and "hunter2" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_keys_new_prints_a_fresh_key_each_time(tmp_path: Path) -> None:
    first, second = (_cli("keys", "new", env={}, cwd=tmp_path) for _ in range(2))
    assert first.returncode == 0, first.stderr
    keys = [DataKey.from_text(done.stdout) for done in (first, second)]
    assert keys[0] != keys[1]
    assert first.stdout.strip() == keys[0].text()


@pytest.mark.parametrize(
    "args", [("serve",), ("scheduler",), ("db", "upgrade"), ("socket",), ("keys", "rotate")]
)
@pytest.mark.parametrize("key", [None, "not-a-key", "c2hvcnQ"])
def test_processes_refuse_to_start_without_a_good_data_key(
    args: tuple[str, ...], key: str | None, tmp_path: Path
) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_APP_TOKEN": "xapp-1",
        "DATABASE_URL": "sqlite:///keyless.db",
    }
    done = _cli(*args, env=env if key is None else {**env, "CCPL_DATA_KEY": key}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "CCPL_DATA_KEY" in done.stderr
    assert not (tmp_path / "keyless.db").exists()


def _console(text: str, *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_", "DATAB"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=text,
        env={**clean, "DATABASE_URL": "sqlite:///notes.db", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_console_keeps_its_own_key_file_beside_the_database(tmp_path: Path) -> None:
    written = _console("reflect Handover huddles ran long\n", env={}, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    key_file = tmp_path / "notes.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = DataKey.from_text(key_file.read_text(encoding="utf-8"))
    read = _console("reflections\n", env={}, cwd=tmp_path)
    assert read.returncode == 0, read.stderr
    assert "Handover huddles ran long" in read.stdout
    assert DataKey.from_text(key_file.read_text(encoding="utf-8")) == key
    assert b"Handover huddles" not in (tmp_path / "notes.db").read_bytes()


def test_a_wrong_key_at_start_up_is_named_not_read_as_garbage(tmp_path: Path) -> None:
    assert _console("reflect Handover huddles ran long\n", env={}, cwd=tmp_path).returncode == 0
    wrong = _console(
        "reflections\n", env={"CCPL_DATA_KEY": DataKey.generate().text()}, cwd=tmp_path
    )
    assert wrong.returncode == 2
    assert wrong.stderr.count("\n") == 1 and "CCPL_DATA_KEY does not open" in wrong.stderr
    assert "Handover" not in wrong.stdout


def test_keys_rotate_reseals_under_the_new_key(tmp_path: Path) -> None:
    assert _console("reflect Handover huddles ran long\n", env={}, cwd=tmp_path).returncode == 0
    old = (tmp_path / "notes.db.key").read_text(encoding="utf-8").strip()
    new = DataKey.generate().text()
    env = {"DATABASE_URL": "sqlite:///notes.db", "CCPL_DATA_KEY": new}
    missing_old = _cli("keys", "rotate", env=env, cwd=tmp_path)
    assert missing_old.returncode == 2 and "CCPL_OLD_DATA_KEY" in missing_old.stderr
    rotated = _cli("keys", "rotate", env={**env, "CCPL_OLD_DATA_KEY": old}, cwd=tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert "reflections.title: 1 re-sealed" in rotated.stderr
    again = _cli("keys", "rotate", env={**env, "CCPL_OLD_DATA_KEY": old}, cwd=tmp_path)
    assert "reflections.title: 0 re-sealed" in again.stderr
    read = _console("reflections\n", env={"CCPL_DATA_KEY": new}, cwd=tmp_path)
    assert read.returncode == 0, read.stderr
    assert "Handover huddles ran long" in read.stdout
