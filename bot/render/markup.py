"""Converting the handlers' small Markdown subset to each platform's dialect."""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w/])_(\S(?:[^_\n]*\S)?)_(?!\w)")
# Handlers name channels as <#C123>: Slack's own mention, kept as a link there.
_CHANNEL = re.compile(r"<#([A-Za-z0-9_-]+)>")
_ESCAPED_CHANNEL = re.compile(r"&lt;#([A-Za-z0-9_-]+)&gt;")


def to_mrkdwn(text: str) -> str:
    """Slack mrkdwn: escape the three control characters, then links and bold."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", escaped)
    return _BOLD.sub(r"*\1*", _ESCAPED_CHANNEL.sub(r"<#\1>", linked))


def to_plain(text: str) -> str:
    """Terminal text: no markers; links keep their address so they can be copied."""
    linked = _LINK.sub(r"\1 (\2)", _CHANNEL.sub(r"#\1", text))
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", linked)).replace("`", "")
