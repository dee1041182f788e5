"""A ready process leaves what it built at start-up out of the collector's full passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Start-up as `serve` does it, in a process of its own: freezing is for the whole process.
PROBE = """
import asyncio, gc, random, sys
from content import load_pack
from handlers import Context
from storage import Database
from bot.heap import freeze_startup_heap
from bot.http import build_web_app

async def main():
    database = Database(url=f"sqlite+aiosqlite:///{sys.argv[1]}")
    Context(pack=load_pack(), database=database, rng=random.Random(1))
    build_web_app(database=database, slack=None)
    before = len(gc.get_objects())
    freeze_startup_heap()
    print(before, len(gc.get_objects()), gc.get_freeze_count())
    await database.dispose()

asyncio.run(main())
"""


def test_what_start_up_built_is_frozen_and_a_full_collection_walks_little(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "ccpl.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    before, after, frozen = (int(n) for n in out.split())
    assert frozen > 100_000  # the libraries and the content pack
    assert after < before // 20  # what a full collection still has to walk
