"""Backups: SQLite through its online backup API, PostgreSQL through `pg_dump`.

An SQLite backup is taken while the bot runs: the backup API copies a consistent
snapshot page by page, even with WAL writes going on, where copying the file would
not. PostgreSQL has its own tool, run where the operator's credentials live, so we
only say the exact line to run; the password stays in PGPASSWORD or ~/.pgpass.
"""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL

# Pages copied per step: small steps let the bot's own writes in between.
PAGES_PER_STEP = 1024


class BackupRefused(ValueError):
    """The backup cannot be taken as asked; the message says why in one line."""


def backup_sqlite(*, url: URL, target: Path) -> int:
    """Copy the SQLite database at `url` into a new file `target`; returns its pages."""
    source = url.database
    if not source or source == ":memory:":
        raise BackupRefused("DATABASE_URL names no SQLite file to back up")
    if not Path(source).exists():
        raise BackupRefused(f"there is no database at {source}")
    if target.exists():
        raise BackupRefused(f"{target} already exists; give a new file name")
    copied = 0

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal copied
        copied = total - remaining

    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live,
        sqlite3.connect(target) as copy,
    ):
        live.backup(copy, pages=PAGES_PER_STEP, progress=progress)
    return copied


def _libpq_url(url: URL) -> str:
    """The URL as libpq tools read it: no driver name, no password (PGPASSWORD has it)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def pg_dump_command(*, url: URL, target: Path) -> str:
    """The `pg_dump` line that backs up this database into `target` (custom format)."""
    return shlex.join(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)]
    )


def pg_restore_command(*, url: URL, source: Path) -> str:
    """The `pg_restore` line that loads `source` into this (new, empty) database."""
    return shlex.join(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq_url(url)}", str(source)]
    )
