"""Platform-neutral use cases: Actor + Command/Action in, Reply out.

Nothing here imports a chat SDK, a web server or a scheduler.
"""

from handlers import features as _features  # noqa: F401  (declares every command)
from handlers.core.context import Context
from handlers.core.dispatch import handle_action, handle_command, handle_text
from handlers.core.errors import HandlerError, Invalid, NotAllowed, NotFound
from handlers.core.model import (
    Action,
    Actor,
    Attachment,
    Button,
    ChannelPost,
    Command,
    Delivery,
    Field,
    FieldKind,
    FieldValue,
    Form,
    Option,
    Platform,
    Reply,
    Section,
)
from handlers.core.parsing import parse

__all__ = [
    "Action",
    "Actor",
    "Attachment",
    "Button",
    "ChannelPost",
    "Command",
    "Context",
    "Delivery",
    "Field",
    "FieldKind",
    "FieldValue",
    "Form",
    "HandlerError",
    "Invalid",
    "NotAllowed",
    "NotFound",
    "Option",
    "Platform",
    "Reply",
    "Section",
    "handle_action",
    "handle_command",
    "handle_text",
    "parse",
]
