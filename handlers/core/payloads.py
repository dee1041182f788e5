"""Typed payloads for buttons and form states, one codec per action.

A button's value and a form's state travel through the platform and come back
as a string anyone could have edited, so decoding is strict: anything that is
not exactly what we encoded becomes `StalePayload`, which the dispatcher turns
into one kind reply instead of a crash or a half-understood request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import Enum
from typing import Any, Generic, TypeVar, get_type_hints

T = TypeVar("T")

STALE_MESSAGE = (
    "That button is out of date, so nothing was changed. Run the command again for a fresh one."
)
# Slack caps a button's value at 2,000 characters and Teams' card data is similar.
MAX_PAYLOAD = 2000


class StalePayload(ValueError):
    """A payload we did not write, or wrote for an older version of the message."""


class Codec(Generic[T]):
    """Encode a payload into a button value and decode it back, strictly."""

    def __init__(self, *, encode: Callable[[T], str], decode: Callable[[str], T]) -> None:
        self._encode = encode
        self._decode = decode

    def encode(self, payload: T) -> str:
        text = self._encode(payload)
        if len(text) > MAX_PAYLOAD:
            raise ValueError("payload too long for a button")
        return text

    def decode(self, raw: str) -> T:
        if len(raw) > MAX_PAYLOAD:
            raise StalePayload("payload too long")
        try:
            return self._decode(raw)
        except StalePayload:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise StalePayload(str(exc)) from None


def _no_payload(raw: str) -> None:
    return None


def _positive_int(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise StalePayload("not an id")
    return int(raw)


NONE: Codec[None] = Codec(encode=lambda _: "", decode=_no_payload)
"""Buttons that carry nothing: whatever comes back is ignored."""

ID: Codec[int] = Codec(encode=str, decode=_positive_int)
"""A database id, such as a reflection's or a session's."""

TEXT: Codec[str] = Codec(encode=lambda value: value, decode=lambda raw: raw)
"""Free text the handler checks itself (a command to re-run, a choice it looks up)."""


def _channel(raw: str) -> str:
    """A channel id from our own button, in any platform's format: one unbroken word."""
    if not raw or len(raw) > 200 or any(character.isspace() for character in raw):
        raise StalePayload("not a channel")
    return raw


CHANNEL: Codec[str] = Codec(encode=lambda channel: channel, decode=_channel)
"""A channel id (Slack `C...`, Teams `19:...@thread.tacv2`)."""


def optional_id() -> Codec[int | None]:
    """An id, or nothing (a form that creates rather than edits)."""

    def decode(raw: str) -> int | None:
        return None if raw == "" else _positive_int(raw)

    return Codec(encode=lambda value: "" if value is None else str(value), decode=decode)


_SEPARATOR = ":"


def record(cls: type[T]) -> Codec[T]:
    """A codec for a frozen dataclass of ints, strs, bools, enums and optionals.

    Fields are joined with ':' in declaration order, so a payload stays short and
    readable; a str field may not contain ':' except as the last field.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = get_type_hints(cls)
    fields = [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]

    def encode(payload: T) -> str:
        parts = [_encode_part(getattr(payload, name)) for name, _ in fields]
        for part in parts[:-1]:
            if _SEPARATOR in part:
                raise ValueError("only the last field of a payload may hold ':'")
        return _SEPARATOR.join(parts)

    def decode(raw: str) -> T:
        parts = raw.split(_SEPARATOR, len(fields) - 1)
        if len(parts) != len(fields):
            raise StalePayload(f"expected {len(fields)} parts")
        values = {
            name: _decode_part(part, kind) for (name, kind), part in zip(fields, parts, strict=True)
        }
        return cls(**values)

    return Codec(encode=encode, decode=decode)


def _encode_part(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _decode_part(part: str, kind: Any) -> object:
    optional = False
    args = getattr(kind, "__args__", None)
    if args and type(None) in args:
        optional = True
        kind = next(a for a in args if a is not type(None))
    if optional and part == "":
        return None
    if kind is bool:
        if part not in ("0", "1"):
            raise StalePayload("not a flag")
        return part == "1"
    if kind is int:
        return _positive_int(part)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(part)
    if kind is str:
        return part
    raise TypeError(f"unsupported payload field type {kind!r}")
