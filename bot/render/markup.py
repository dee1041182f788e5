"""Converting the handlers' small Markdown subset to each platform's dialect."""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w/])_(\S(?:[^_\n]*\S)?)_(?!\w)")
# Handlers name channels as <#C123>: Slack's own mention, kept as a link there.
_CHANNEL = re.compile(r"<#([A-Za-z0-9_-]+)>")
_ESCAPED_CHANNEL = re.compile(r"&lt;#([A-Za-z0-9_-]+)&gt;")
# And people as <@U123>, Slack's user mention.
_USER = re.compile(r"<@([A-Za-z0-9_-]+)>")
_ESCAPED_USER = re.compile(r"&lt;@([A-Za-z0-9_-]+)&gt;")


def to_mrkdwn(text: str, *, people: frozenset[str] = frozenset()) -> str:
    """Slack mrkdwn: escape the three control characters, then links and bold.

    Only the people a handler means to name (`Reply.mentions`) become live
    mentions; the same syntax typed by a person stays text, so nobody can be
    pinged through a poll option or a shared view.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", escaped)

    def person(match: re.Match[str]) -> str:
        return f"<@{match.group(1)}>" if match.group(1) in people else match.group(0)

    mentions = _ESCAPED_USER.sub(person, _ESCAPED_CHANNEL.sub(r"<#\1>", linked))
    return _BOLD.sub(r"*\1*", mentions)


def to_plain(text: str) -> str:
    """Terminal text: no markers; links keep their address so they can be copied."""
    linked = _LINK.sub(r"\1 (\2)", _USER.sub(r"@\1", _CHANNEL.sub(r"#\1", text)))
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", linked)).replace("`", "")


# Teams channel ids look like 19:abc@thread.tacv2, so the Teams pattern is wider than Slack's.
_ANY_CHANNEL = re.compile(r"<#([^>\s]+)>")
_ANY_USER = re.compile(r"<@([^>\s|]+)(?:\|[^>]*)?>")
_SLASH_COMMAND = re.compile(r"/ccpl\b")


def name_channels(text: str, *, names: Mapping[str, str]) -> str:
    """`<#id>` as the channel's name where the bot knows it (Teams sends names with
    activities; the renderer alone cannot look them up)."""

    def channel(match: re.Match[str]) -> str:
        name = names.get(match.group(1))
        return f"**#{name}**" if name else match.group(0)

    return _ANY_CHANNEL.sub(channel, text)


def channel_ids(text: str) -> set[str]:
    return set(_ANY_CHANNEL.findall(text))


def to_teams(text: str) -> str:
    """Adaptive Card TextBlock markdown: bold, italic and links pass through as they are.

    Inline code has no markdown in a card, so backticks go. Commands are typed to
    the bot by name in Teams, so `/ccpl tip` reads `@CCPL tip`. A channel left
    unnamed by `name_channels` reads "the channel".
    """
    # A Teams mention needs the person's display name, which the bot does not keep,
    # so a person is shown by id, as in the console.
    people = _ANY_USER.sub(r"@\1", _ANY_CHANNEL.sub("the channel", text))
    return _SLASH_COMMAND.sub("@CCPL", people).replace("`", "")
