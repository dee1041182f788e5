"""Which forum prompt or journal-club resource comes next in the rotation."""

from __future__ import annotations

from content import ContentPack, ForumPrompt, Resource


def prompt_rotation(pack: ContentPack) -> list[ForumPrompt]:
    """Prompts taken one principle at a time, so consecutive posts move through all five."""
    by_principle = [pack.prompts_for(principle=p.id) for p in pack.principles]
    depth = max((len(group) for group in by_principle), default=0)
    return [group[i] for i in range(depth) for group in by_principle if i < len(group)]


def journal_resources(pack: ContentPack) -> list[Resource]:
    return list(pack.resources_in(category="books-podcasts-webinars"))
