"""The Slack manifest an admin pastes must match what the app actually serves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from handlers.parsing import COMMAND_WORDS

MANIFEST = Path(__file__).parents[2] / "manifest.yml"


def test_every_slack_url_points_at_the_one_events_endpoint() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    urls = [
        manifest["features"]["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert {urlparse(u).path for u in urls} == {"/slack/events"}
    assert all(urlparse(u).scheme == "https" for u in urls)


def test_manifest_offers_the_command_and_the_events_we_listen_to() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/ccpl"
    assert set(command["usage_hint"].replace(" ", "").split("|")) == set(COMMAND_WORDS)
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.im"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history"} <= scopes
