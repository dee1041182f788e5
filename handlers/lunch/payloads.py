"""What the lunch-and-learn buttons carry: a session id and the answer pressed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.core.payloads import Codec, StalePayload, record
from handlers.reflections.templates import TEMPLATES
from storage.lunch import CANT, GOING, MAYBE


class Answer(StrEnum):
    """The answers an RSVP button may carry; the waitlist is ours to give, not to press."""

    GOING = GOING
    MAYBE = MAYBE
    CANT = CANT


@dataclass(frozen=True, kw_only=True, slots=True)
class RsvpPress:
    session_id: int
    answer: Answer


class Attended(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True, kw_only=True, slots=True)
class AttendancePress:
    session_id: int
    answer: Attended


@dataclass(frozen=True, kw_only=True, slots=True)
class ReflectOn:
    """A reflection on a session attended, in one of the reflection templates."""

    session_id: int
    template: str

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise StalePayload("no such template")


RSVP_PRESS: Codec[RsvpPress] = record(RsvpPress)
ATTENDANCE: Codec[AttendancePress] = record(AttendancePress)
REFLECT_ON: Codec[ReflectOn] = record(ReflectOn)
