"""A loopback TCP proxy that can stall: a faithful hung database, without signals.

Passing, it relays bytes both ways to the real server. Stalled, it accepts
connections and relays nothing, as a server stopped mid-flight (SIGSTOP, a
dead network path) looks to a client: the socket is open and nothing answers.
Without an upstream it is stalled for good.
"""

from __future__ import annotations

import asyncio
import contextlib


class StallingProxy:
    def __init__(self, *, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self.stalled = upstream is None
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> StallingProxy:
        self._flowing = asyncio.Event()
        if not self.stalled:
            self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        self._drop_all()
        self._flowing.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stall(self) -> None:
        """From now on nothing is relayed, on open connections or new ones."""
        self.stalled = True
        self._flowing.clear()

    def recover(self) -> None:
        """Close what hung (as a restarted server would) and relay again."""
        self.stalled = False
        self._drop_all()
        self._flowing.set()

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.stalled or self.upstream is None:
            return  # open, and silent
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self._flowing.wait()
                sink.write(data)
                await sink.drain()
        sink.close()
