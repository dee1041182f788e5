"""What the scheduling buttons and forms carry.

The agreement and journal-club buttons ride on posts `scheduling.outbox`
composes with a `schedule id|occurrence` value; `OCCURRENCE` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers.core.payloads import Codec, StalePayload, record


class SetupKind(StrEnum):
    """Which setup form: forums need a facilitator, meetings anyone."""

    FORUM = "forum"
    MEETING = "meeting"


@dataclass(frozen=True, kw_only=True, slots=True)
class SetupState:
    """The setup form's state: what is being set up, and the channel it posts to."""

    what: SetupKind
    channel: str

    def __post_init__(self) -> None:
        if not self.channel:
            raise StalePayload("no channel")


SETUP: Codec[SetupState] = record(SetupState)


@dataclass(frozen=True, kw_only=True, slots=True)
class Occurrence:
    """One meeting of a schedule: the schedule's id and when that meeting was."""

    schedule_id: int
    at: datetime


def _encode_occurrence(occurrence: Occurrence) -> str:
    return f"{occurrence.schedule_id}|{occurrence.at.isoformat()}"


def _decode_occurrence(raw: str) -> Occurrence:
    # '|' rather than ':' because the time itself holds colons.
    raw_id, bar, when = raw.partition("|")
    if not bar or not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18:
        raise StalePayload("not a schedule occurrence")
    return Occurrence(schedule_id=int(raw_id), at=datetime.fromisoformat(when))


OCCURRENCE: Codec[Occurrence] = Codec(encode=_encode_occurrence, decode=_decode_occurrence)
