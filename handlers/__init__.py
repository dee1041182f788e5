"""Platform-neutral use cases: Actor + Command/Action in, Reply out.

Nothing here imports a chat SDK, a web server or a scheduler.
"""

from handlers.context import Context
from handlers.dispatch import handle_action, handle_command, handle_text
from handlers.errors import HandlerError, Invalid, NotAllowed, NotFound
from handlers.model import (
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
from handlers.parsing import parse

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
