"""Database URLs as managed PostgreSQL services hand them out, and where `serve` listens.

`?sslmode=require` (Azure, most hosted PostgreSQL) must migrate and run, against a real
server with TLS on; a server that refuses TLS, or a certificate that does not verify,
is one line naming what to check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from bot.cli import listen_host
from bot.settings import SettingsError, load_settings
from storage.database import connect_options
from tests.conftest import TEST_DATA_KEY
from tests.fakes.postgres import postgres_url_or_skip

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test-postgres"


def _cli(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CCPL_", "DATAB"))}
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "CCPL_DATA_KEY": TEST_DATA_KEY.text(),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def tls_server() -> Iterator[tuple[str, Path]]:
    """A second throwaway PostgreSQL with TLS on: its plain URL and its certificate."""
    postgres_url_or_skip()
    # Outside pytest's private temporary directory: as root the server runs as `postgres`.
    state = Path(tempfile.mkdtemp(prefix="ccpl-pg-tls-"))
    state.chmod(0o755)
    env = {
        **os.environ,
        "CCPL_PG_TLS": "1",
        "CCPL_PG_DIR": str(state / "cluster"),
        "CCPL_PG_PORT": "5480",
    }
    env.pop("CCPL_TEST_POSTGRES_URL", None)
    started = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert started.returncode == 0 and started.stdout.strip(), started.stderr
    try:
        yield started.stdout.strip(), state / "cluster" / "root.crt"
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=60, check=False)
        shutil.rmtree(state, ignore_errors=True)


def _with(url: str, query: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False) + query


def test_sslmode_require_migrates_over_tls(tls_server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = tls_server
    done = _cli("db", "upgrade", url=_with(url, "?sslmode=require"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "database at revision" in done.stdout


def test_verify_full_checks_the_server_against_its_root_certificate(
    tls_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = tls_server
    verified = _cli(
        "db",
        "upgrade",
        url=_with(url, f"?sslmode=verify-full&sslrootcert={root}&application_name=release"),
        cwd=tmp_path,
    )
    assert verified.returncode == 0, verified.stderr
    # Without the root certificate, the self-signed server is not trusted.
    untrusted = _cli("db", "upgrade", url=_with(url, "?sslmode=verify-full"), cwd=tmp_path)
    assert untrusted.returncode == 1
    assert untrusted.stderr.startswith("ccpl-bot: the database server's TLS certificate did not")
    assert untrusted.stderr.count("\n") == 1 and "Traceback" not in untrusted.stderr


def test_a_server_refusing_tls_is_one_clear_line(tmp_path: Path) -> None:
    plain = postgres_url_or_skip()  # the suite's server has TLS off
    done = _cli("db", "upgrade", url=_with(plain, "?sslmode=require"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        "ccpl-bot: the database server refused TLS, which DATABASE_URL's sslmode asks for: "
        "turn ssl on at the server, or use sslmode=prefer\n"
    )


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("?sslmode=sometimes", "sslmode='sometimes'; use one of disable, allow, prefer"),
        ("?sslmode=require&channel_binding=require", "does not take: 'channel_binding'"),
        ("?sslmode=verify-ca&sslrootcert=/no/such/root.crt", "certificate files cannot be read"),
    ],
)
def test_a_url_the_driver_cannot_use_is_named_at_start_up(query: str, said: str) -> None:
    url = f"postgresql://ccpl:hunter2@db.example.org/ccpl{query}"
    with pytest.raises(SettingsError, match="DATABASE_URL") as raised:
        load_settings(environ={"DATABASE_URL": url}, env_file=None)
    assert said in str(raised.value) and "hunter2" not in str(raised.value)


def test_ccpl_host_sets_the_listening_address_but_anonymous_teams_stays_on_loopback() -> None:
    assert listen_host(load_settings(environ={"CCPL_HOST": "::"}, env_file=None)) == "::"
    assert listen_host(load_settings(environ={}, env_file=None)) == "0.0.0.0"
    anonymous = {"CCPL_TEAMS_ANONYMOUS": "1", "CCPL_HOST": "::1"}
    assert listen_host(load_settings(environ=anonymous, env_file=None)) == "::1"
    with pytest.raises(SettingsError, match="CCPL_HOST must be a loopback address"):
        load_settings(environ={**anonymous, "CCPL_HOST": "0.0.0.0"}, env_file=None)
    with pytest.raises(SettingsError, match="CCPL_HOST should be an address"):
        load_settings(environ={"CCPL_HOST": "not a host!"}, env_file=None)


_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=20
)


@settings(max_examples=60, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "application_name"]
        )
        | _WORDS,
        _WORDS,
        max_size=4,
    )
)
def test_any_url_parameters_start_or_name_the_problem_in_one_line(
    params: dict[str, str],
) -> None:
    url = f"postgresql://ccpl:hunter2@db.example.org/ccpl?{urlencode(params)}"
    try:
        settings = load_settings(environ={"DATABASE_URL": url}, env_file=None)
    except SettingsError as exc:
        said = str(exc)
        assert said.startswith("DATABASE_URL") and "\n" not in said and "hunter2" not in said
        return
    # Accepted: the driver is handed only what it takes.
    _, connect_args = connect_options(settings.database_url)
    assert set(connect_args) <= {"ssl", "server_settings"}
