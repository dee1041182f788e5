"""Domain errors; each adapter turns them into its platform's idiom."""

from __future__ import annotations

from collections.abc import Mapping


class HandlerError(Exception):
    """Base of the errors a person should see, worded for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(HandlerError):
    """The actor may not do this (for example a member using a facilitator command)."""


class NotFound(HandlerError):
    """The thing asked for does not exist in this workspace."""


class Invalid(HandlerError):
    """Input that cannot be used.

    `errors` maps form field ids to messages, so every problem in a form is
    shown at once beside its field; `message` is the summary for elsewhere.
    """

    def __init__(
        self, message: str, *, field: str | None = None, errors: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.errors: dict[str, str] = dict(errors or ({field: message} if field else {}))
