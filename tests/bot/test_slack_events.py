"""Every event the Slack app subscribes to is acknowledged with 200, even with nothing to do.

Anything else (a 404 for an event no listener takes, a 500) makes Slack retry the
delivery, and after enough failures it turns the app's events off.
"""

from __future__ import annotations

import uuid
from typing import Any

from bot.slack.manifest import subscribed_event_types
from handlers import Context
from tests.bot.slack_harness import running_bot

TEAM = "TEVENTS"
CHANNEL = "C0EVENTS"
PERSON = "UPERSON"


def _message(**extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": PERSON,
        "text": "hello",
        "ts": "1700000000.000100",
        **extra,
    }


def _examples(bot_user: str) -> list[dict[str, Any]]:
    """Each subscribed type as Slack sends it, including deliveries the bot ignores."""
    file_item = {"type": "file", "file": "F0FILE"}
    message_item = {"type": "message", "channel": CHANNEL, "ts": "1700000000.000100"}
    return [
        {
            "type": "app_mention",
            "user": PERSON,
            "channel": CHANNEL,
            "text": f"<@{bot_user}> tip",
            "ts": "1700000000.000200",
        },
        _message(),
        _message(channel_type="group"),
        _message(channel_type="im", channel="D0PERSON", text="tip"),
        _message(subtype="message_changed", message={"text": "edited"}),
        _message(subtype="message_deleted", deleted_ts="1700000000.000100"),
        _message(subtype="channel_join"),
        _message(subtype="bot_message", bot_id="B0OTHER"),
        _message(channel_type="im", channel="D0PERSON", subtype="message_changed"),
        _message(thread_ts="1700000000.000001"),
        {"type": "reaction_added", "user": PERSON, "reaction": "eyes", "item": message_item},
        {"type": "reaction_added", "user": PERSON, "reaction": "eyes", "item": file_item},
        {
            "type": "reaction_added",
            "user": PERSON,
            "reaction": "eyes",
            "item": {"type": "file_comment", "file": "F0FILE", "file_comment": "Fc0"},
        },
        {"type": "member_joined_channel", "user": PERSON, "channel": CHANNEL, "team": TEAM},
        {"type": "member_joined_channel", "user": bot_user, "channel": CHANNEL, "team": TEAM},
        {"type": "member_left_channel", "user": PERSON, "channel": CHANNEL, "team": TEAM},
        {"type": "member_left_channel", "user": bot_user, "channel": CHANNEL, "team": TEAM},
        {"type": "app_home_opened", "user": PERSON, "channel": "D0PERSON", "tab": "home"},
        {"type": "app_home_opened", "user": PERSON, "channel": "D0PERSON", "tab": "messages"},
        # Last: these two end the workspace's installation.
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot_user]}},
        {"type": "app_uninstalled"},
    ]


async def test_every_subscribed_event_is_acknowledged_with_200(sctx: Context) -> None:
    async with running_bot(ctx=sctx) as bot:
        bot.fake.set_channel_members(CHANNEL, [PERSON])
        examples = _examples(bot.fake.bot_user_id)
        # A newly subscribed type needs an example here before this test passes.
        assert {e["type"] for e in examples} == set(subscribed_event_types())
        answers = []
        for event in examples:
            sent = await bot.event(event=event, team=TEAM, event_id=uuid.uuid4().hex)
            answers.append((event["type"], event.get("subtype"), sent.status))
        await bot.settle()
    assert [a for a in answers if a[2] != 200] == []
