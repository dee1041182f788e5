"""The neutral message model every platform adapter speaks.

Handlers take an `Actor` and a `Command` or `Action` and return a `Reply`.
Text uses a small Markdown subset (`**bold**`, `_italic_`, `[label](url)`,
bullet lines) that each renderer turns into its platform's idiom.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


@dataclass(frozen=True, kw_only=True, slots=True)
class Actor:
    """Who is asking, and in which workspace (a Slack team, a Teams tenant)."""

    platform: Platform
    workspace: str
    user: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """A typed command: `name` is canonical, `args` the remaining words."""

    name: str
    args: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    """A button press or form submission, named by a stable action id."""

    action_id: str
    value: str = ""
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, kw_only=True, slots=True)
class Button:
    action_id: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """One block of the reply: an optional heading, body text and a quiet note."""

    text: str
    heading: str | None = None
    note: str | None = None
    buttons: tuple[Button, ...] = ()


class Delivery(StrEnum):
    EPHEMERAL = "ephemeral"
    CHANNEL = "channel"
    DM = "dm"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reply:
    """What the bot says back. `text` is the summary every platform can show."""

    text: str
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    delivery: Delivery = Delivery.EPHEMERAL
