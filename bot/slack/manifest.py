"""The Slack app manifest, with the slash command's hint from the registry.

`ccpl-bot slack manifest` prints it; the committed manifest.yml is this text, and
a test keeps the two equal, so a new command reaches the manifest by being declared.
"""

from __future__ import annotations

import yaml

from handlers.core.registry import REGISTRY, Registry

_TEMPLATE = """\
# Slack app manifest: api.slack.com/apps > Create New App > From a manifest > paste this.
# Replace every https://ccpl.example.org with the public address of `ccpl-bot serve`.
display_information:
  name: CCPL
  description: Learning network for clinical and care professional leaders
  background_color: "#005eb8"
  long_description: >-
    Top tips for collaboration, the five CCPL principles, lessons learned, case studies and
    leadership development resources for clinical and care professional leaders in the NHS
    and social care. Type /ccpl help to start.
features:
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: CCPL
    always_online: true
  slash_commands:
    - command: /ccpl
      url: https://ccpl.example.org/slack/events
      description: Tips, principles, resources, case studies and CPD reflections
      usage_hint: "{usage_hint}"
      should_escape: true
oauth_config:
  redirect_urls:
    - https://ccpl.example.org/slack/oauth_redirect
  scopes:
    bot:
      - commands
      - chat:write
      - chat:write.public
      - files:write
      - pins:write
      - users:read
      - app_mentions:read
      - im:history
      - im:write
      # Participation counts (never text) and channel membership for the quiet report.
      - channels:history
      - groups:history
      - channels:read
      - groups:read
      - reactions:read
settings:
  event_subscriptions:
    request_url: https://ccpl.example.org/slack/events
    bot_events:
      - app_mention
      - message.im
      - message.channels
      - message.groups
      - reaction_added
      - member_joined_channel
      - member_left_channel
      - app_home_opened
      # Uninstalling the app or revoking its token stops every post to that workspace.
      - app_uninstalled
      - tokens_revoked
  interactivity:
    is_enabled: true
    request_url: https://ccpl.example.org/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: false
  token_rotation_enabled: false
"""


def usage_hint(*, registry: Registry = REGISTRY) -> str:
    """Every command word, in help order, as Slack shows under /ccpl."""
    return " | ".join(spec.name for spec in registry.commands())


def slack_manifest(*, registry: Registry = REGISTRY) -> str:
    """The manifest YAML an admin pastes into api.slack.com/apps."""
    return _TEMPLATE.replace("{usage_hint}", usage_hint(registry=registry))


def subscribed_event_types() -> tuple[str, ...]:
    """The Events API types the manifest subscribes to, as events name them.

    `message.im`, `message.channels` and `message.groups` all arrive as `message`.
    Every one must be acknowledged, or Slack retries it and in time stops sending.
    """
    manifest = yaml.safe_load(slack_manifest())
    subscribed: list[str] = manifest["settings"]["event_subscriptions"]["bot_events"]
    return tuple(dict.fromkeys(name.split(".")[0] for name in subscribed))
