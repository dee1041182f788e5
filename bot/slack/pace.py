"""How fast one workspace's messages go: at about the rate Slack accepts them.

Slack limits posting per app and workspace (and per channel) without saying how far:
the only signal is a 429 with Retry-After. A sender that posts faster than Slack
accepts gets many 429s, and each refused post waits out Retry-After before its next
try, so a fan-out ends on the last of those waits. `Pace` keeps a workspace's posts
near what Slack accepts instead, backing off at once and creeping back (as TCP does):

- unpaced until Slack refuses a burst of posts, so a quiet workspace never waits;
- on a burst (not a single 429: Slack refuses the odd post at random), the pace is set
  a tenth under what Slack accepted over the last second, always lower than before,
  and not lowered again within Retry-After (what is refused meanwhile was sent before);
- while posts wait on the pace and none is refused in bursts, it rises by a twentieth
  each second; after a minute with no burst the workspace is unpaced again.

A 429 for a channel posted to in the last second is Slack's per-channel limit (one
message a second), which says nothing about the workspace's rate."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

WINDOW = 1.0  # seconds over which answers are counted
BURST = 5  # refusals in a window that can be a limit, not chance ...
BURST_SHARE = 0.04  # ... and their least share of the window's answers
BELOW = 0.9  # the pace after a burst, as a share of what Slack accepted
RISE = 0.05  # the share it rises by per calm window
LEAST = 1.0  # posts a second, whatever Slack refused
FORGET = 60.0  # seconds with no burst after which a workspace is unpaced again
USED = 0.5  # the share of its turns used when the pace is what posts went at
SHORTEST = 0.05  # seconds: the least span a rate is measured over
PER_CHANNEL = 1.0  # seconds: Slack's one message a second in a channel


class Pace:
    """One workspace's posting pace; `wait` before each try of a post, then tell it the
    answer with `answered` or `refused`."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.rate: float | None = None  # posts a second; None while unpaced
        self._next = 0.0  # when the next post may go
        self._accepted: deque[float] = deque()  # in the last window
        self._refused: deque[float] = deque()  # in the last window, not the channel's limit
        self._posted: dict[str, float] = {}  # channel -> last accepted, oldest first
        self._steady_until = 0.0  # no second decrease before this
        self._changed = 0.0  # when the rate last rose or fell
        self._waited = False  # a post waited on the pace since then
        self._burst_at = 0.0
        self._first = 0.0  # when the answers in the window began to come

    async def wait(self) -> None:
        """Take the next turn at the current pace (turns are handed out in order)."""
        now = self.clock()
        self._calm(now)
        if self.rate is None:
            return
        turn = max(now, self._next)
        self._next = turn + 1 / self.rate
        if turn > now:
            self._waited = True
            await self.sleep(turn - now)

    def answered(self, *, channel: str | None) -> None:
        """A post was answered without a 429."""
        now = self.clock()
        self._forget(now)
        self._accepted.append(now)
        if channel is not None:
            self._posted.pop(channel, None)
            self._posted[channel] = now

    def refused(self, *, channel: str | None, retry_after: float) -> None:
        """A post was refused with a 429 and will be tried again after `retry_after`."""
        now = self.clock()
        self._forget(now)
        if channel is not None and channel in self._posted:
            return  # the channel's own limit, not the workspace's
        if now < self._steady_until:
            return  # sent before the last decrease took effect
        self._refused.append(now)
        refused = len(self._refused)
        if refused < max(BURST, BURST_SHARE * (refused + len(self._accepted))):
            return
        self._burst_at = now
        self.rate = max(LEAST, BELOW * self._accepted_rate(now))
        self._steady_until = now + max(retry_after, WINDOW)
        self._refused.clear()
        self._changed, self._waited = now, False

    def _accepted_rate(self, now: float) -> float:
        """What Slack accepted a second of what was sent over the window. Posts that went
        at about the pace tell it best (a pause on our side, a claim or a slow database,
        is no lower limit); when far fewer went, most were waiting out a 429 and only
        those that went tell anything."""
        answers = len(self._accepted) + len(self._refused)
        sent = answers / self._span(now)
        if self.rate is not None and sent >= USED * self.rate:
            sent = self.rate
        return sent * len(self._accepted) / answers

    def _span(self, now: float) -> float:
        """The window, or the seconds since answers began when that is shorter (a fan-out's
        first second)."""
        return min(WINDOW, max(SHORTEST, now - self._first))

    def _calm(self, now: float) -> None:
        if self.rate is None or now - self._changed < WINDOW:
            return
        if now - self._burst_at >= FORGET:
            self.rate = None
        elif self._waited and now - self._burst_at >= WINDOW:
            self.rate *= 1 + RISE
        self._changed, self._waited = now, False

    def _forget(self, now: float) -> None:
        """Drop what is older than the window; a run of answers after a quiet window
        starts the count again."""
        for times in (self._accepted, self._refused):
            while times and times[0] < now - WINDOW:
                times.popleft()
        if not self._accepted and not self._refused:
            self._first = now
        while self._posted:
            channel, at = next(iter(self._posted.items()))
            if at >= now - PER_CHANNEL:
                break
            del self._posted[channel]
