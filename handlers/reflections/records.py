"""A reflection as handlers and exports see it, free of any storage detail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

QUICK_NOTE = "note"  # the answer key of a quick note not yet expanded into a template


@dataclass(frozen=True, kw_only=True, slots=True)
class ReflectionRecord:
    """One person's reflection. `template_id` is None while it is still a quick note."""

    id: int
    created_at: datetime
    updated_at: datetime
    template_id: str | None
    title: str
    answers: Mapping[str, str]
    code_themes: tuple[str, ...] = ()
    cpd_minutes: int = 0
    participatory: bool = False
    principles: tuple[int, ...] = ()
    session: str | None = None
    shared: bool = False

    @property
    def is_quick_note(self) -> bool:
        return self.template_id is None
