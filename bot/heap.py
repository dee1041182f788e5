"""What a long-running process does with the objects it built while starting.

Everything loaded at start-up (the content pack, SQLAlchemy's mappers and compiled
statements, Bolt, the Agents SDK) lives as long as the process, yet the garbage
collector's full collections walked all of it each time: about 120 ms on the 2-core
development machine, a pause that every request in flight waited out, and at 32
commands at once the whole tail of the answer latency (bench/README.md). Frozen, the
collector leaves it alone; what requests allocate is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then exempt the rest from future collections.

    Call once, when the process is ready to serve and before it forks anything.
    """
    gc.collect()
    gc.freeze()
