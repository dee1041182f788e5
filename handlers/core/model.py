"""The neutral message model every platform adapter speaks.

Handlers take an `Actor` and a `Command` or `Action` and return a `Reply`.
Text uses a small Markdown subset (`**bold**`, `_italic_`, `[label](url)`,
bullet lines) that each renderer turns into its platform's idiom. Anything a
person typed goes into that text through `handlers.core.text.typed`, which marks
it so every renderer shows exactly the characters typed: never a link, mention
or format. Headings, button labels, form titles and hints are plain text, shown
as they are.
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
    name: str | None = None  # a display handle when the platform sends one; never stored
    channel: str | None = None  # where the person is acting, when it is a channel


@dataclass(frozen=True, kw_only=True, slots=True)
class Command:
    """A typed command: `name` is canonical, `args` the remaining words."""

    name: str
    args: tuple[str, ...] = ()
    text: str = ""


FieldValue = str | tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    """A button press or form submission, named by a stable action id.

    For a form, `value` is the form's `state` and `values` maps field ids to
    what was entered (a tuple for multiple choices; "" for left empty).
    """

    action_id: str
    value: str = ""
    values: Mapping[str, FieldValue] = field(default_factory=lambda: MappingProxyType({}))

    def text(self, field_id: str) -> str:
        found = self.values.get(field_id, "")
        return found.strip() if isinstance(found, str) else ", ".join(found)

    def choices(self, field_id: str) -> tuple[str, ...]:
        found = self.values.get(field_id, ())
        return (found,) if isinstance(found, str) and found else tuple(found) if found else ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Button:
    action_id: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    # For the post's owner and facilitators: left off the shared post where a platform
    # gives each reader a view of their own (`Reply.view`), which shows it to them.
    owners_only: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """One block of the reply: an optional heading, body text and a quiet note.

    `text` and `note` are our Markdown subset (a person's words inside through
    `typed`); `heading` is plain text.
    """

    text: str
    heading: str | None = None
    note: str | None = None
    buttons: tuple[Button, ...] = ()


class FieldKind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    NUMBER = "number"
    SELECT = "select"
    MULTISELECT = "multiselect"
    CHECKBOX = "checkbox"
    CHANNEL = "channel"
    DATE = "date"  # YYYY-MM-DD
    TIME = "time"  # HH:MM, 24-hour


@dataclass(frozen=True, kw_only=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Field:
    """One input. `initial` pre-fills it, which is how edits and kept text work."""

    id: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    initial: FieldValue = ""
    hint: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    # Free text that must pass the patient-data guard before it is stored or posted.
    guarded: bool = False
    # Field-specific wording for a missing or unreadable answer; a general one otherwise.
    required_message: str | None = None
    invalid_message: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Form:
    """A form to fill in: a Slack modal, console prompts, a Teams card.

    Submitting it comes back as an `Action` with `action_id=form_id` and
    `value=state`, so the handler knows what it was editing.
    """

    form_id: str
    title: str
    fields: tuple[Field, ...]
    submit: str = "Save"
    state: str = ""
    intro: str | None = None
    # Problems to show beside their fields as the form opens: text a command
    # refused comes back in the form with its reasons, so nothing typed is lost.
    errors: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    """A file for the person: an export, an invite, a chart."""

    filename: str
    content: bytes
    title: str


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
    form: Form | None = None
    attachments: tuple[Attachment, ...] = ()
    # A post to a channel on the person's behalf, e.g. an anonymously shared reflection.
    also_post: tuple[ChannelPost, ...] = ()
    # User ids the text names as <@id> on purpose; the same syntax typed by anyone stays text.
    mentions: tuple[str, ...] = ()
    # Nothing in it is only for the asker (a tip, help): where a platform cannot show a
    # reply to one person in a channel (Teams), it answers in the channel's thread.
    public: bool = False
    # A shared post that each reader may see their own way (their vote, their controls):
    # the action that draws it for whoever is reading, and the people (user ids, at most
    # 60) whose view a platform that can (Teams' refresh) shows them unasked.
    view: Button | None = None
    viewers: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class ChannelPost:
    """A post to a channel (or a person, by user id); `update` edits an earlier post."""

    channel: str
    reply: Reply
    update: str | None = None
    thread: str | None = None  # the message whose thread this joins
