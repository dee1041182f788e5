"""Reading the content pack: resources, principles, lessons and case studies."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable

from content import RESOURCE_CATEGORIES, CaseStudy, ContentPack, Resource
from handlers.core.context import Context
from handlers.core.errors import NotFound
from handlers.core.model import Actor, Reply, Section
from handlers.core.registry import command
from handlers.core.text import whole_number
from handlers.library.citations import cite

# Words people type for a category, beyond its id and label.
CATEGORY_WORDS = {
    "websites": ("websites", "website", "web", "sites"),
    "books-podcasts-webinars": ("books", "book", "podcasts", "podcast", "webinars", "webinar"),
    "training": ("training", "courses", "course", "programmes", "programme"),
    "peer-learning": ("peer", "peer-learning", "networks", "network", "mentoring"),
}


def _link(resource: Resource) -> str:
    return f"[{resource.name}]({resource.url})" if resource.url else f"**{resource.name}**"


def _resource_lines(resources: Iterable[Resource]) -> str:
    return "\n".join(f"• {_link(r)}: {r.description}" for r in resources)


def _category_for(words: str) -> str | None:
    for category, synonyms in CATEGORY_WORDS.items():
        if words in synonyms or words == category or words == RESOURCE_CATEGORIES[category].lower():
            return category
    return None


@command(
    name="resources",
    private=False,
    aliases=("resource",),
    usage="resources [category or words]",
    summary="leadership development resources",
    order=20,
)
async def resources(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """All resources by category, one category, or those matching search words."""
    query = " ".join(args).strip().lower()
    pack = ctx.pack
    if not query:
        sections = tuple(
            Section(
                heading=label,
                text=_resource_lines(r for r in pack.resources if r.category == category),
            )
            for category, label in RESOURCE_CATEGORIES.items()
            if any(r.category == category for r in pack.resources)
        )
        return Reply(
            text="Leadership development resources",
            sections=(
                *sections,
                Section(
                    text="Narrow it down: `resources books`, `resources training`, "
                    "or search: `resources compassionate leadership`."
                ),
            ),
        )
    category = _category_for(query)
    if category is not None:
        listed = pack.resources_in(category=category)
        return Reply(
            text=RESOURCE_CATEGORIES[category],
            sections=(
                Section(heading=RESOURCE_CATEGORIES[category], text=_resource_lines(listed)),
            ),
        )
    found = pack.find_resources(query=query)
    heading = f"Resources about “{query}”"
    if not found:
        found = pack.find_resources(query=query, every_word=False)
        heading = f"No resource mentions all of “{query}”; these mention some of it"
    if not found:
        categories = ", ".join(f"`{c.split('-')[0]}`" for c in RESOURCE_CATEGORIES)
        raise NotFound(
            f"No resource mentions “{query}”. Try a category ({categories}) or other words."
        )
    return Reply(
        text=heading,
        sections=(Section(heading=heading, text=_resource_lines(found)),),
    )


@command(
    name="principles",
    private=False,
    aliases=("principle",),
    usage="principles [1-5]",
    summary="the five CCPL principles and the two core expectations",
    order=30,
)
async def principles(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """The five principles with the two expectations, or one principle in depth."""
    pack = ctx.pack
    if args:
        wanted = " ".join(args).strip()
        number = whole_number(wanted)
        principle = pack.principle(number if number is not None else wanted.lower())
        if principle is None:
            raise NotFound(
                f"There are {len(pack.principles)} principles: try `principles 1` "
                f"to `principles {len(pack.principles)}`."
            )
        practice = "\n".join(f"• {item}" for item in principle.in_practice)
        return Reply(
            text=f"Principle {principle.number}: {principle.title}",
            sections=(
                Section(
                    heading=f"Principle {principle.number}: {principle.title}",
                    text=f"{principle.summary}\n\n**In practice**\n{practice}",
                    note=cite(pack=pack, source_id=principle.source),
                ),
            ),
        )
    listing = "\n".join(f"**{p.number}. {p.title}**: {p.summary}" for p in pack.principles)
    expectations = "\n".join(f"• **{e.title}**: {e.text}" for e in pack.expectations)
    return Reply(
        text="The five CCPL principles",
        sections=(
            Section(
                heading="The five CCPL principles",
                text=listing,
                note=cite(pack=pack, source_id=pack.principles[0].source),
            ),
            Section(
                heading="The two core expectations",
                text=expectations,
                note="More on one: `principles 3`.",
            ),
        ),
    )


@command(
    name="lessons",
    private=False,
    aliases=("lesson",),
    usage="lessons",
    summary="five lessons learned by the learning network",
    order=40,
)
async def lessons(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """The learning network's five lessons learned."""
    pack = ctx.pack
    body = "\n\n".join(
        f"**{n}. {lesson.title}**\n{lesson.text}" for n, lesson in enumerate(pack.lessons, start=1)
    )
    return Reply(
        text="Lessons learned",
        sections=(
            Section(
                heading="Lessons learned",
                text=body,
                note=cite(pack=pack, source_id=pack.lessons[0].source),
            ),
        ),
    )


def _finding_words(pack: ContentPack, study: CaseStudy) -> str:
    """The fewest of a study's keywords that find it alone: "norfolk" lists two
    studies again, "assembly" opens one."""
    for size in (1, 2):
        for words in itertools.combinations(study.keywords, size):
            if pack.find_case_studies(query=" ".join(words)) == (study,):
                return " ".join(words)
    return " ".join(study.keywords)


@command(
    name="case",
    private=False,
    aliases=("cases", "case-study", "case-studies", "casestudy"),
    usage="case [name]",
    summary="case studies from integrated care systems",
    order=50,
)
async def case(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
    """One case study by name or keyword, or the list of them."""
    pack = ctx.pack
    query = " ".join(args).strip().lower()
    found = list(pack.find_case_studies(query=query))
    if len(found) == 1:
        study = found[0]
        highlights = "\n".join(f"• {h}" for h in study.highlights)
        return Reply(
            text=f"Case study: {study.name}",
            sections=(
                Section(
                    heading=f"{study.name} ({study.system})",
                    text=f"{study.summary}\n\n{highlights}",
                    note=cite(pack=pack, source_id=study.source),
                ),
            ),
        )
    shown = found or list(pack.case_studies)
    listing = "\n".join(
        f"• **{c.name}** ({c.system}): `case {_finding_words(pack, c)}`" for c in shown
    )
    if query and not found:
        vocabulary = [k for c in pack.case_studies for k in c.keywords]
        near = difflib.get_close_matches(query, vocabulary, n=1, cutoff=0.6)
        hint = f" Did you mean `case {near[0]}`?" if near else ""
        raise NotFound(f"No case study matches “{query}”.{hint} Type `case` for the list.")
    heading = "Case studies" if not query else f"Case studies matching “{query}”"
    return Reply(text=heading, sections=(Section(heading=heading, text=listing),))
