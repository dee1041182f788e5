"""The Slack manifest an admin pastes must match what the app actually serves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from handlers.core.registry import REGISTRY

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
    assert set(command["usage_hint"].replace(" ", "").split("|")) == {
        spec.name for spec in REGISTRY.commands()
    }
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # Each event Slack sends only with its scope granted.
    needs = {
        "app_mention": "app_mentions:read",
        "message.im": "im:history",
        "message.channels": "channels:history",
        "message.groups": "groups:history",
        "reaction_added": "reactions:read",
        "member_joined_channel": "channels:read",
        "member_left_channel": "channels:read",
        "app_home_opened": None,
        # Uninstalling or revoking stops posting to that workspace.
        "app_uninstalled": None,
        "tokens_revoked": None,
    }
    assert events == set(needs)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", *(s for s in needs.values() if s)} <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # Mentions arrive as ids (<@U123|name>, <#C123|name>), which reports and grants need.
    assert command["should_escape"] is True
