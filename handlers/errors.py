"""Domain errors; each adapter turns them into its platform's idiom."""

from __future__ import annotations


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
    """Input that cannot be used; `field` names the form field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
