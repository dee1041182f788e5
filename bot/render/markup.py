"""Converting the handlers' small Markdown subset to each platform's dialect."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w/])_(\S(?:[^_\n]*\S)?)_(?!\w)")
# Handlers name channels as <#C123>: Slack's own mention, kept as a link there.
_CHANNEL = re.compile(r"<#([A-Za-z0-9_-]+)>")
_ESCAPED_CHANNEL = re.compile(r"&lt;#([A-Za-z0-9_-]+)&gt;")
# And people as <@U123>, Slack's user mention.
_USER = re.compile(r"<@([A-Za-z0-9_-]+)>")
_ESCAPED_USER = re.compile(r"&lt;@([A-Za-z0-9_-]+)&gt;")


# `handlers.core.text.typed` marks each character of a person's text that could format
# with a backslash. Each renderer sets those aside before reading our own markup, and
# puts them back as its platform's literal form, so they never become markup.
_TYPED = re.compile(r"\\([\\*_\[\]<>`~&/+.)=#-])")
_HELD = re.compile("\ue000(\\d+)\ue001")
ZERO_WIDTH_SPACE = "\u200b"


def _hold(text: str) -> tuple[str, list[str]]:
    """The text with each typed character replaced by a place-holder no pattern here reads."""
    held: list[str] = []

    def keep(match: re.Match[str]) -> str:
        held.append(match.group(1))
        return f"\ue000{len(held) - 1}\ue001"

    # A typed place-holder character would be read as ours; it has no visible form anyway.
    return _TYPED.sub(keep, text.replace("\ue000", "").replace("\ue001", "")), held


def _release(text: str, held: list[str], literal: Callable[[str], str]) -> str:
    return _HELD.sub(lambda m: literal(held[int(m.group(1))]), text)


def _slack_literal(char: str) -> str:
    # mrkdwn has no escape for its formatting characters; a zero-width space on each
    # side stops Slack reading them, and people still see just the character.
    if char in "*_~`":
        return f"{ZERO_WIDTH_SPACE}{char}{ZERO_WIDTH_SPACE}"
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)


def _teams_literal(char: str) -> str:
    # CommonMark, which Adaptive Cards' markdown follows, escapes any ASCII punctuation.
    return char if char == "/" else "\\" + char


def to_mrkdwn(text: str, *, people: frozenset[str] = frozenset()) -> str:
    """Slack mrkdwn: escape the three control characters, then links and bold.

    Only the people a handler means to name (`Reply.mentions`) become live
    mentions; the same syntax typed by a person stays text, so nobody can be
    pinged through a poll option or a shared view.
    """
    text, held = _hold(text)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", escaped)

    def person(match: re.Match[str]) -> str:
        return f"<@{match.group(1)}>" if match.group(1) in people else match.group(0)

    mentions = _ESCAPED_USER.sub(person, _ESCAPED_CHANNEL.sub(r"<#\1>", linked))
    return _release(_BOLD.sub(r"*\1*", mentions), held, _slack_literal)


def to_plain(text: str) -> str:
    """Terminal text: no markers; links keep their address so they can be copied."""
    text, held = _hold(text)
    linked = _LINK.sub(r"\1 (\2)", _USER.sub(r"@\1", _CHANNEL.sub(r"#\1", text)))
    plain = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", linked)).replace("`", "")
    return _release(plain, held, str)


# Teams channel ids look like 19:abc@thread.tacv2, so the Teams pattern is wider than Slack's.
_ANY_CHANNEL = re.compile(r"(?<!\\)<#([^>\s\\]+)>")
_ANY_USER = re.compile(r"<@([^>\s|]+)(?:\|[^>]*)?>")
_SLASH_COMMAND = re.compile(r"/ccpl\b ?")
_CODE = re.compile(r"`([^`\n]+)`")
# The placeholder for a channel in hints such as `quiet #channel 30`: Teams has no
# #channel, and a channel is @mentioned there.
_CHANNEL_PLACEHOLDER = re.compile(r"(?<![\w&])#channel\b")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def name_channels(text: str, *, names: Mapping[str, str]) -> str:
    """`<#id>` as the channel's name where the bot knows it (Teams sends names with
    activities; the renderer alone cannot look them up)."""

    def channel(match: re.Match[str]) -> str:
        name = names.get(match.group(1))
        return f"**#{name}**" if name else match.group(0)

    return _ANY_CHANNEL.sub(channel, text)


def channel_ids(text: str) -> set[str]:
    return set(_ANY_CHANNEL.findall(text))


def to_teams(text: str, *, personal: bool = False) -> str:
    """Adaptive Card TextBlock markdown: bold, italic and links pass through as they are.

    Inline code has no markdown in a card, so a command in backticks is bold. Commands
    are typed to the bot by name in Teams: `/ccpl tip` reads `@CCPL tip` in a channel
    and `tip` in a personal chat. A channel left unnamed by `name_channels` reads "the
    channel". Teams drops anything that looks like an HTML tag, so a `<` of ours (a
    placeholder such as `<text>`) is escaped, as typed ones are.
    """
    # A Teams mention needs the person's display name, which the bot does not keep,
    # so a person is shown by id, as in the console.
    text, held = _hold(text)
    people = _ANY_USER.sub(r"@\1", _ANY_CHANNEL.sub("the channel", text))
    # Indentation would make a code block in CommonMark, showing typed escapes as they are.
    flat = _INDENT.sub(lambda m: "\u00a0" * len(m[0].expandtabs(4)), people)
    commands = _SLASH_COMMAND.sub("" if personal else "@CCPL ", flat)
    commands = _CHANNEL_PLACEHOLDER.sub("@channel", commands)
    shown = _CODE.sub(lambda m: f"**{m[1].strip()}**", commands).replace("`", "")
    return _release(shown.replace("<", "\\<"), held, _teams_literal)
