"""Posting at the rate Slack accepts: a fan-out through the real sender, poster and Web API
client against the fake Slack's global limit meets few 429s and sends each post once; and
the pace itself, on a controlled clock (nothing sleeps on it)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import timedelta

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.schedule_fanout import seed
from bot.outbox_sender import OutboxSender
from bot.slack.client import build_client
from bot.slack.pace import FORGET, LEAST, Pace
from bot.slack.poster import SlackPoster
from content import ContentPack
from handlers import Context
from handlers.outbox.planner import plan
from storage import Database
from tests.clock import FakeClock
from tests.fakes.slack_web_api import FakeSlackWebApi

CHANNELS = 250
RATE = 50.0  # Slack's global limit here, posts a second (its bucket holds a second's, full)


# The pace is Slack's side of the sender: the database only feeds it rows.
@pytest.mark.parametrize("own_database", ["sqlite"], indirect=True)
async def test_a_fan_out_keeps_to_slacks_rate_and_sends_each_post_once(
    pack: ContentPack, own_database: Database
) -> None:
    expected = await seed(database=own_database, channels=CHANNELS, sessions=1, going=1)
    ctx = Context(pack=pack, database=own_database, clock=FakeClock(expected.moment))
    await plan(ctx=ctx, until=expected.moment, grace=timedelta(hours=6))
    async with FakeSlackWebApi() as fake, aiohttp.ClientSession() as http:
        fake.enforce_rate_limits(per_channel_per_second=1, global_per_second=RATE)
        client = build_client(token="xoxb-pace-test", base_url=fake.base_url, session=http)
        report = await OutboxSender(ctx=ctx, poster=SlackPoster(client=client)).drain()
    assert report.sent == len(expected.targets)
    assert {t: fake.accepted_posts[t] for t in expected.targets} == dict.fromkeys(
        expected.targets, 1
    )
    # Once it has learned (a burst in the bucket's first second, then Retry-After), the
    # tries keep to what Slack accepts and almost none is refused; unpaced, the refused
    # posts come back together and about a fifth of the later tries are refused again.
    # (The whole run's count of 429s says the same on a quiet machine, but moves with
    # the machine's load: a slow sender meets fewer.)
    learned = min(c.at for c in fake.calls) + 2.5
    late = [c for c in fake.calls if c.method == "chat.postMessage" and c.at >= learned]
    refused = sum(1 for c in late if c.status == 429)
    assert late
    assert refused < 0.1 * len(late), f"{refused} of {len(late)} later tries refused"
    # It learned Slack's rate, and probes a little above it.
    assert client.pace.rate is not None and client.pace.rate < 1.2 * RATE


class _Clock:
    """Monotonic seconds under the test's control; a sleep moves it on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _pace() -> tuple[Pace, _Clock]:
    clock = _Clock()
    return Pace(clock=clock, sleep=clock.sleep), clock


async def _send(
    pace: Pace, clock: _Clock, *, seconds: float, rate: float, refused: Callable[[int], bool]
) -> list[float]:
    """Try a post every 1/rate seconds (or at the pace, when slower) for `seconds`; the
    times each went."""
    went: list[float] = []
    end = clock.now + seconds
    n = 0
    while clock.now < end:
        await pace.wait()
        went.append(clock.now)
        if refused(n):
            pace.refused(channel=f"C{n}", retry_after=1)
        else:
            pace.answered(channel=f"C{n}")
        n += 1
        clock.now = max(clock.now, went[-1] + 1 / rate)
    return went


async def test_slacks_odd_random_429_never_slows_posting() -> None:
    pace, clock = _pace()
    chance = random.Random(3)
    await _send(pace, clock, seconds=20, rate=400, refused=lambda _: chance.random() < 0.01)
    assert pace.rate is None


async def test_a_burst_of_429s_paces_below_what_slack_accepted_then_rises_and_is_forgotten() -> (
    None
):
    pace, clock = _pace()
    # 500 a second, every fifth refused: Slack accepts 400.
    await _send(pace, clock, seconds=1, rate=500, refused=lambda n: n % 5 == 4)
    assert pace.rate is not None and LEAST <= pace.rate < 400
    paced = pace.rate
    went = await _send(pace, clock, seconds=3, rate=1000, refused=lambda _: False)
    # Never faster than the pace, which rose while posts waited on it and none was refused.
    assert min(b - a for a, b in itertools.pairwise(went)) >= 1 / pace.rate - 1e-9
    assert paced < pace.rate < paced * 1.2
    assert len(went) < 3 * pace.rate
    clock.now += FORGET
    await pace.wait()
    assert pace.rate is None


async def test_a_channels_own_limit_does_not_pace_the_workspace() -> None:
    pace, clock = _pace()
    pace.answered(channel="CBUSY")
    for _ in range(20):
        clock.now += 0.01
        pace.refused(channel="CBUSY", retry_after=1)
    assert pace.rate is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["wait", "answered", "refused"]),
            st.floats(min_value=0, max_value=0.05),
        ),
        max_size=400,
    )
)
async def test_a_429_never_speeds_posting_up_and_turns_keep_the_pace(
    steps: list[tuple[str, float]],
) -> None:
    pace, clock = _pace()
    last: tuple[float, float] | None = None  # the last turn and the pace it was given at
    for n, (step, gap) in enumerate(steps):
        clock.now += gap
        before = pace.rate
        if step == "wait":
            await pace.wait()
            if last is not None and pace.rate is not None:
                assert clock.now >= last[0] + 1 / last[1] - 1e-9
            last = (clock.now, pace.rate) if pace.rate is not None else None
        elif step == "answered":
            pace.answered(channel=f"C{n}")
        else:
            pace.refused(channel=f"C{n}", retry_after=1)
            assert pace.rate is None or pace.rate >= LEAST
            if before is not None:
                assert pace.rate is not None and pace.rate <= before
