"""Every piece of content says where it came from."""

from __future__ import annotations

from datetime import date

from content import ContentPack


def cite(*, pack: ContentPack, source_id: str) -> str:
    """A one-line citation: title, publisher and month of publication."""
    source = pack.source(source_id)
    when = date.fromisoformat(str(source.date)).strftime("%B %Y")
    return f"Source: {source.title}, {source.publisher}, {when}"
