"""`ccpl-bot`: one command line for every process the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import ssl
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.logs import configure_logging
from bot.runtime import NotMigrated, PlatformUnreachable
from bot.settings import Settings, SettingsError, load_settings
from content import ContentError
from storage.inventory import InventoryIncomplete
from storage.migrate import BrokenReferences
from storage.sealing import KeyMismatch

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from handlers import Context

log = logging.getLogger("ccpl")

# A SIGTERM is followed by a SIGKILL after 10 s on most hosts (Heroku, Kubernetes, systemd's
# default is longer): requests in flight get this long to be answered, posts in flight
# this long to land after that, and the rest is given back for another process to send.
REQUESTS_GRACE = 3.0
SENDER_GRACE = 4.0


class StartupFailed(RuntimeError):
    """Start-up could not finish for a reason outside the bot; the message names it."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccpl-bot",
        description="A learning network bot for clinical and care professional leaders.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="serve when Slack or Teams is configured, else the local console"
    )
    commands.add_parser(
        "serve", help="HTTP server: Slack at /slack/events, Teams at /api/messages, /healthz"
    )
    commands.add_parser("socket", help="Slack over Socket Mode (local development)")
    commands.add_parser("console", help="talk to the bot in this terminal")
    commands.add_parser("scheduler", help="the clock: plans and sends scheduled posts")
    schedule = commands.add_parser("schedule", help="schedule tools").add_subparsers(
        dest="schedule_command"
    )
    preview = schedule.add_parser("preview", help="print the next dates of a schedule")
    preview.add_argument("phrase", help='e.g. "first Tuesday of the month at 12:30" or an RRULE')
    preview.add_argument("--tz", default=None, help="IANA time zone (default CCPL_TIMEZONE)")
    preview.add_argument("--from", dest="start", default=None, help="start date, YYYY-MM-DD")
    preview.add_argument("--count", type=int, default=5, help="how many dates (default 5)")
    preview.add_argument(
        "--holidays",
        choices=("none", "skip", "move"),
        default="none",
        help="on a bank holiday: post anyway, skip, or move to the next working day",
    )
    preview.add_argument(
        "--region",
        choices=("ENG", "SCT", "NIR"),
        default="ENG",
        help="bank holidays of England and Wales, Scotland or Northern Ireland (default ENG)",
    )
    db = commands.add_parser("db", help="database tasks").add_subparsers(dest="db_command")
    db.add_parser("upgrade", help="migrate the database to the latest schema")
    backup = db.add_parser(
        "backup", help="SQLite: copy the live database to FILE; PostgreSQL: print the pg_dump line"
    )
    backup.add_argument("file", type=Path, help="the backup file to write (must not exist)")
    keys = commands.add_parser("keys", help="the data key (CCPL_DATA_KEY)").add_subparsers(
        dest="keys_command"
    )
    keys.add_parser("new", help="print a fresh data key for CCPL_DATA_KEY")
    keys.add_parser(
        "rotate",
        help="re-seal everything under CCPL_DATA_KEY; the key replaced is in CCPL_OLD_DATA_KEY",
    )
    content = commands.add_parser("content", help="content pack tasks").add_subparsers(
        dest="content_command"
    )
    validate = content.add_parser("validate", help="check a custom content pack")
    validate.add_argument("dir", nargs="?", type=Path, help="default: CCPL_CONTENT_DIR")
    data = commands.add_parser("data", help="information-governance tasks").add_subparsers(
        dest="data_command"
    )
    data.add_parser("inventory", help="print the data inventory (Markdown) from the models")
    slack = commands.add_parser("slack", help="Slack tasks").add_subparsers(dest="slack_command")
    slack.add_parser("manifest", help="print the Slack app manifest to paste at api.slack.com")
    teams = commands.add_parser("teams", help="Microsoft Teams tasks").add_subparsers(
        dest="teams_command"
    )
    package = teams.add_parser("package", help="build the Teams app package to upload")
    package.add_argument(
        "--out", type=Path, default=Path("ccpl-teams.zip"), help="default: ccpl-teams.zip"
    )
    package.add_argument(
        "--website",
        default="https://ccpl.example.org",
        help="your public https address; /privacy and /terms are linked under it",
    )
    return parser


def listen_host(settings: Settings) -> str:
    """Where `serve` listens: CCPL_HOST, else every interface, or loopback alone when
    /api/messages takes unauthenticated requests, so nobody else on the network can speak
    as anyone (settings refuse any other CCPL_HOST then)."""
    if settings.host is not None:
        return settings.host
    return "127.0.0.1" if settings.teams_anonymous else "0.0.0.0"


async def _serve(settings: Settings) -> None:
    from aiohttp import web

    from bot.heap import freeze_startup_heap
    from bot.http import build_web_app
    from bot.runtime import build_context, build_runtime, check_slack

    if settings.has_slack:
        settings.require("SLACK_SIGNING_SECRET")
    if settings.microsoft_app_id is not None:
        settings.require("MICROSOFT_APP_PASSWORD")
    # From the start: a SIGTERM during start-up then stops cleanly once it is done.
    stop = _stop_on_signals()
    ctx = await build_context(settings=settings)
    runtime = runner = None
    try:
        if settings.has_slack or settings.has_teams:
            runtime = await build_runtime(settings=settings, ctx=ctx)
            await check_slack(runtime=runtime, settings=settings)
        else:
            log.warning("no Slack or Teams settings: serving /healthz only")
        if settings.teams_anonymous:
            log.warning(
                "CCPL_TEAMS_ANONYMOUS is on: /api/messages accepts unauthenticated requests, "
                "on 127.0.0.1 only, and replies only to loopback service URLs"
            )
        app = build_web_app(
            database=ctx.database,
            slack=runtime.slack if runtime else None,
            teams=runtime.teams if runtime else None,
            metrics_token=settings.metrics_token,
            clock=ctx.clock,
            leads=runtime.leads if runtime else lambda: False,
        )
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=REQUESTS_GRACE)
        await runner.setup()
        freeze_startup_heap()
        await _listen(runner, settings)
        await stop.wait()
        stopping = time.monotonic()
    finally:
        given_back = await _close(runner=runner, runtime=runtime, ctx=ctx)
    _stopped("serve", since=stopping, given_back=given_back)


async def _listen(runner: web.AppRunner, settings: Settings) -> None:
    from aiohttp import web

    host = listen_host(settings)
    try:
        await web.TCPSite(runner, host=host, port=settings.port).start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupFailed(
                f"port {settings.port} is already in use: stop whatever listens there, "
                "or set PORT to another"
            ) from None
        raise StartupFailed(f"cannot listen on port {settings.port}: {exc.strerror}") from None
    if settings.teams_anonymous:
        log.info("listening on port %d at %s only (CCPL_TEAMS_ANONYMOUS)", settings.port, host)
    else:
        log.info("listening on port %d at %s", settings.port, host)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _close(*, runner: web.AppRunner | None, runtime: Runtime | None, ctx: Context) -> int:
    """Stop listening and answer what is in flight, then stop sending and give back
    what was not sent, release the scheduler's lock, close the database."""
    if runner is not None:
        await runner.cleanup()
    given_back = await runtime.stop(grace=SENDER_GRACE) if runtime is not None else 0
    await ctx.database.dispose()
    return given_back


def _stopped(process: str, *, since: float, given_back: int) -> None:
    log.info(
        "%s stopped cleanly in %.1f s; %d outbox row(s) given back for another process",
        process,
        time.monotonic() - since,
        given_back,
        extra={"outcome": "stopped", "given_back": given_back},
    )


async def _scheduler(settings: Settings) -> None:
    from bot.heap import freeze_startup_heap
    from bot.runtime import build_context, build_runtime, check_slack

    if not settings.has_teams and not settings.slack_oauth:
        settings.require("SLACK_BOT_TOKEN")
    if settings.microsoft_app_id is not None:
        settings.require("MICROSOFT_APP_PASSWORD")
    stop = _stop_on_signals()
    ctx = await build_context(settings=settings)
    runtime = None
    try:
        runtime = await build_runtime(settings=settings, ctx=ctx, clock=True)
        await check_slack(runtime=runtime, settings=settings)
        freeze_startup_heap()
        log.info("scheduler started")
        await stop.wait()
        stopping = time.monotonic()
    finally:
        given_back = await _close(runner=None, runtime=runtime, ctx=ctx)
    _stopped("scheduler", since=stopping, given_back=given_back)


def _preview(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from handlers.scheduling.holidays import Policy, preview
    from handlers.scheduling.recurrence import RecurrenceError, format_preview, parse_recurrence

    try:
        zone = ZoneInfo(args.tz) if args.tz else settings.timezone
    except (ZoneInfoNotFoundError, ValueError):
        print(f"ccpl-bot: --tz {args.tz!r} is not an IANA time zone", file=sys.stderr)
        return 2
    try:
        start = date.fromisoformat(args.start) if args.start else None
    except ValueError:
        print(f"ccpl-bot: --from {args.start!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    if not 1 <= args.count <= 500:
        print("ccpl-bot: --count must be from 1 to 500", file=sys.stderr)
        return 2
    try:
        recurrence = parse_recurrence(text=args.phrase)
    except RecurrenceError as exc:
        print(f"ccpl-bot: {exc}", file=sys.stderr)
        return 2
    # A date asked for is shown from its midnight; otherwise from now, since a
    # time earlier today has already gone.
    now = datetime.now(zone)
    after = (
        datetime.combine(start, time(), tzinfo=zone) - timedelta(microseconds=1)
        if start is not None
        else now
    )
    ahead = preview(
        recurrence=recurrence,
        start=start or now.date(),
        zone=zone,
        after=after,
        count=args.count,
        policy=Policy.read(policy=args.holidays, region=args.region),
    )
    for line in format_preview(occurrences=ahead.dates):
        print(line)
    for note in ahead.notes:
        print(f"note: {note}")
    return 0


async def _socket(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.runtime import build_context, build_runtime

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    ctx = await build_context(settings=settings)
    # Socket Mode traffic is authenticated by the app token, not signatures.
    runtime = await build_runtime(settings=settings, ctx=ctx, verify=False)
    assert runtime.slack is not None
    try:
        handler = AsyncSocketModeHandler(runtime.slack, settings.slack_app_token)
        await handler.start_async()  # type: ignore[no-untyped-call]  # Bolt leaves it untyped
    finally:
        await runtime.stop()
        await ctx.database.dispose()


async def _console(settings: Settings) -> None:
    from bot.console import run_console
    from bot.runtime import build_context, key_file

    ctx = await build_context(settings=settings, local_key=True)
    # The history sits beside the console's own key, which sits beside its database.
    history = key_file(settings=settings).with_suffix(".history")
    try:
        await run_console(
            ctx=ctx, stdin=sys.stdin, stdout=sys.stdout, history=history, interrupt=True
        )
    finally:
        await ctx.database.dispose()


async def _db_upgrade(settings: Settings) -> None:
    from bot.runtime import load_data_key
    from storage import Database, current_revision, upgrade

    # The migration that seals text already stored needs the key.
    load_data_key(settings=settings)
    database = Database(url=settings.database_url)
    try:
        await upgrade(database=database)
        print(f"database at revision {await current_revision(database=database)}")
    finally:
        await database.dispose()


def _db_backup(settings: Settings, target: Path) -> int:
    from storage.backup import (
        BackupRefused,
        backup_sqlite,
        pg_dump_command,
        pg_restore_command,
    )
    from storage.database import normalise_url

    url = normalise_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        print(pg_dump_command(url=url, target=target))
        print(
            "# run the line above where pg_dump can reach the server (password in PGPASSWORD "
            "or ~/.pgpass); restore into a new, empty database with:",
            file=sys.stderr,
        )
        print(f"#   {pg_restore_command(url=url, source=target)}", file=sys.stderr)
        return 0
    try:
        pages = backup_sqlite(url=url, target=target)
    except BackupRefused as exc:
        print(f"ccpl-bot: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {pages} page(s) to {target}; restore by stopping the bot and copying it back")
    return 0


async def _keys_rotate(settings: Settings) -> int:
    from bot.runtime import load_data_key, open_database
    from storage.sealing import rotate

    load_data_key(settings=settings)
    if not settings.old_data_keys:
        raise SettingsError(
            "CCPL_OLD_DATA_KEY is required for this command: the key being replaced, "
            "so what it sealed can be opened and sealed again under CCPL_DATA_KEY"
        )
    database = await open_database(settings=settings)
    try:
        changed = await rotate(database=database, report=lambda line: print(line, file=sys.stderr))
    finally:
        await database.dispose()
    print(
        f"re-sealed {changed} value(s); once every process runs with the new key, "
        "unset CCPL_OLD_DATA_KEY"
    )
    return 0


def _content_validate(settings: Settings, directory: Path | None) -> int:
    from content import validate_dir

    target = directory or settings.content_dir
    if target is None:
        print("ccpl-bot: give a directory or set CCPL_CONTENT_DIR", file=sys.stderr)
        return 2
    problems = validate_dir(path=target)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {target}", file=sys.stderr)
        return 1
    print(f"{target}: content pack is valid")
    return 0


def _teams_package(settings: Settings, out: Path, website: str) -> int:
    from bot.teams.package import build_package

    settings.require("MICROSOFT_APP_ID")
    assert settings.microsoft_app_id is not None
    if not website.startswith("https://"):
        print("ccpl-bot: --website must be an https:// address", file=sys.stderr)
        return 2
    out.write_bytes(build_package(app_id=settings.microsoft_app_id, website=website))
    print(f"{out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


def _slack_manifest() -> int:
    from bot.slack.manifest import slack_manifest

    sys.stdout.write(slack_manifest())
    return 0


Parser = argparse.ArgumentParser
Tool = Callable[[argparse.Namespace, Settings, Parser], int]
QUIET = frozenset({"console", "content", "data", "db", "keys", "schedule", "slack", "teams"})


def _schedule_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.schedule_command != "preview":
        parser.error('try `ccpl-bot schedule preview "first Tuesday of the month at 12:30"`')
    return _preview(settings, args)


def _db_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.db_command == "backup":
        return _db_backup(settings, args.file)
    if args.db_command != "upgrade":
        parser.error("try `ccpl-bot db upgrade` or `ccpl-bot db backup FILE`")
    asyncio.run(_db_upgrade(settings))
    return 0


def _keys_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    from storage.crypto import DataKey

    if args.keys_command == "new":
        print(DataKey.generate().text())
        return 0
    if args.keys_command == "rotate":
        return asyncio.run(_keys_rotate(settings))
    parser.error("try `ccpl-bot keys new` or `ccpl-bot keys rotate`")


def _slack_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.slack_command != "manifest":
        parser.error("try `ccpl-bot slack manifest`")
    return _slack_manifest()


def _data_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.data_command != "inventory":
        parser.error("try `ccpl-bot data inventory`")
    from storage.inventory import render_inventory

    sys.stdout.write(render_inventory())
    return 0


def _teams_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.teams_command != "package":
        parser.error("try `ccpl-bot teams package [--out FILE]`")
    return _teams_package(settings, args.out, args.website)


def _content_tool(args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if args.content_command != "validate":
        parser.error("try `ccpl-bot content validate [DIR]`")
    return _content_validate(settings, args.dir)


# Long-running processes, each until a signal or end of input.
PROCESSES: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
    "serve": _serve,
    "socket": _socket,
    "console": _console,
    "scheduler": _scheduler,
}
# One-off tasks; each returns the exit status.
TOOLS: dict[str, Tool] = {
    "schedule": _schedule_tool,
    "db": _db_tool,
    "keys": _keys_tool,
    "slack": _slack_tool,
    "data": _data_tool,
    "teams": _teams_tool,
    "content": _content_tool,
}


def _run(command: str, args: argparse.Namespace, settings: Settings, parser: Parser) -> int:
    if command == "run":
        command = "serve" if settings.has_slack or settings.has_teams else "console"
    default = logging.WARNING if command in QUIET else logging.INFO
    configure_logging(
        level=settings.log_level if settings.log_level is not None else default,
        json_format=settings.log_format == "json",
    )
    process = PROCESSES.get(command)
    if process is not None:
        asyncio.run(process(settings))
        return 0
    return TOOLS[command](args, settings, parser)


def _database_trouble(exc: BaseException) -> str:
    """One line on why the database did not open: which part of DATABASE_URL to check,
    never the password."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"the database server's TLS certificate did not verify ({cause.verify_message}): "
            "check sslrootcert and the host name in DATABASE_URL"
        )
    if isinstance(cause, ConnectionError) and "SSL" in str(cause):
        # asyncpg's words for a server that answered the TLS request with no.
        return (
            "the database server refused TLS, which DATABASE_URL's sslmode asks for: "
            "turn ssl on at the server, or use sslmode=prefer"
        )
    # Connection refused, bad password, unknown host.
    return f"cannot open the database ({type(cause).__name__}): check DATABASE_URL"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _run(args.command or "run", args, load_settings(), parser)
    except (SettingsError, NotMigrated, KeyMismatch, InventoryIncomplete, BrokenReferences) as exc:
        print(f"ccpl-bot: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"ccpl-bot: CCPL_CONTENT_DIR has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (StartupFailed, PlatformUnreachable) as exc:
        print(f"ccpl-bot: {exc}", file=sys.stderr)
        return 1
    except aiohttp.ClientError as exc:
        # Before OSError, which a connector error also is: it is not the database.
        print(f"ccpl-bot: cannot reach a service at start-up ({exc})", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        print(f"ccpl-bot: {_database_trouble(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
