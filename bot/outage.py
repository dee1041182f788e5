"""What people are told when the database cannot be reached, on every platform."""

from __future__ import annotations

UNAVAILABLE = (
    "Sorry, I couldn't reach my database just now, so nothing was changed. "
    "Please try again in a minute."
)


def unavailable_form(*, button: str) -> str:
    """A form stays open with its text; the message names the button to press again."""
    return (
        "Couldn't save just now (database unavailable). Your text is still here: "
        f"press {button} again in a minute."
    )
