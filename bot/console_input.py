"""Reading the console's lines: line editing and history at a terminal, and a read
that never holds up leaving.

Each line is read on a daemon thread of its own, not in the event loop's
executor: asyncio waits for its executor's threads at exit, so a read blocked on
the keyboard would hang Ctrl-C until Enter. At a terminal the line is read with
`input()`, which the stdlib `readline` module gives editing and history.

History holds commands only. A form's answers, a quick note typed after
`reflect`, or prose the console did not understand stay out of it: the file is
plain text on disk, and what people write is sealed everywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TextIO

from handlers import parse
from handlers.core.registry import REGISTRY

HISTORY_LENGTH = 1000
_QUICK_NOTE = "reflect"
_TEMPLATES = frozenset({"nmc", "gibbs", "what"})

Keep = Callable[[str], bool]


def worth_remembering(line: str) -> bool:
    """A command or a button's number; never a quick note or prose."""
    words = line.split()
    if not words:
        return False
    if line.strip().isdigit():
        return True
    command = parse(text=line)
    if REGISTRY.command(command.name) is None:
        return False
    if command.name == _QUICK_NOTE:
        return all(word.lower() in _TEMPLATES for word in command.args)
    return True


class History:
    """The readline history, kept in a file only its owner can read (mode 0600)."""

    def __init__(self, *, path: Path | None) -> None:
        self.path = path
        self.readline: ModuleType | None = None

    def open(self) -> None:
        import readline  # importing it is what gives input() line editing

        self.readline = readline
        readline.set_history_length(HISTORY_LENGTH)
        if self.path is None:
            return
        with contextlib.suppress(OSError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
            readline.read_history_file(self.path)

    def forget_last_unless(self, line: str, keep: Keep | None) -> None:
        """`input()` adds every line it reads; take back one `keep` does not want."""
        if self.readline is None or not line.strip() or (keep is not None and keep(line)):
            return
        length = self.readline.get_current_history_length()
        if length:
            self.readline.remove_history_item(length - 1)

    def save(self) -> None:
        if self.readline is None or self.path is None:
            return
        with contextlib.suppress(OSError):
            self.readline.write_history_file(self.path)
            os.chmod(self.path, 0o600)


class LineReader:
    """Lines from a terminal (with a prompt, editing and history) or from a pipe.

    The end of input is final: once a read returns None, every later one does.
    """

    def __init__(self, *, stdin: TextIO, history: History | None = None) -> None:
        self.stdin = stdin
        # input() and readline work only on the process's own terminal.
        self.terminal = stdin.isatty() and stdin is sys.stdin
        self.history = history if self.terminal else None
        self.ended = False

    def start(self) -> None:
        if self.history is not None:
            self.history.open()

    def stop(self) -> None:
        if self.history is not None:
            self.history.save()

    def _blocking(self, prompt: str, keep: Keep | None) -> str | None:
        if not self.terminal:
            line = self.stdin.readline()
            return line.rstrip("\n") if line else None
        try:
            line = input(prompt)
        except EOFError:  # Ctrl-D: end the line it was typed on, as a shell does
            sys.stdout.write("\n")
            return None
        if self.history is not None:
            self.history.forget_last_unless(line, keep)
        return line

    async def read(self, prompt: str, *, keep: Keep | None = None) -> str | None:
        """The next line, or None at the end of input; `keep` says whether the history
        keeps it (without one, it does not)."""
        if self.ended:
            return None
        loop = asyncio.get_running_loop()
        done: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            if not done.done():
                done.set_result(line)

        def work() -> None:
            line = self._blocking(prompt, keep)
            with contextlib.suppress(RuntimeError):  # the loop closed while we waited
                loop.call_soon_threadsafe(deliver, line)

        threading.Thread(target=work, name="console-input", daemon=True).start()
        line = await done
        if line is None:
            self.ended = True
        return line


@contextlib.contextmanager
def kept_terminal(stdin: TextIO) -> Iterator[None]:
    """The terminal's settings as they were, however the console ends.

    Leaving on Ctrl-C abandons a read that readline has begun, with echo off;
    without this the shell would be left not showing what is typed.
    """
    if not (stdin is sys.stdin and stdin.isatty()):
        yield
        return
    import termios

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        yield
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
