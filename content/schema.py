"""Typed shapes of the content pack, so a bad YAML edit fails at load time, not mid-conversation."""

import datetime
import re
from typing import Annotated, ClassVar, Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# Ids, topics and keywords are typed by people in chat commands, so keep them to lowercase slugs.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# What people type for a profession: lowercase words, as they would type them.
Alias = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[ '-][a-z0-9]+)*$")]


def _require_https(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"must be an https:// web address, got {url!r}")
    return url


def _iso_date(value: object) -> object:
    # YAML turns an unquoted 2023-06-01 into a date but a quoted one stays a string; accept both,
    # and refuse numbers, which pydantic would otherwise read as Unix timestamps.
    if isinstance(value, datetime.datetime):
        raise ValueError("must be a date without a time, written YYYY-MM-DD")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"must be a date written YYYY-MM-DD, got {value!r}") from None
    raise ValueError("must be a date written YYYY-MM-DD")


HttpsUrl = Annotated[str, AfterValidator(_require_https)]
IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]

ResourceCategory = Literal["websites", "books-podcasts-webinars", "training", "peer-learning"]

RESOURCE_CATEGORIES: Final[dict[str, str]] = {
    "websites": "Websites",
    "books-podcasts-webinars": "Books, podcasts and webinars",
    "training": "Training",
    "peer-learning": "Peer learning",
}


_STOP_WORDS: Final = frozenset({"a", "an", "and", "the", "of", "on", "in", "for", "to", "about"})


def _stems(text: str) -> set[str]:
    """Lowercase words with a plural "s" taken off, so "systems" meets "system"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}


class Item(BaseModel):
    """Common base: every pack item has an id, which is also how an overlay replaces it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug


class Source(Item):
    """A publication the built-in content is paraphrased from, cited by every other item."""

    title: Text
    publisher: Text
    date: IsoDate
    # Some seeds give no day or no date at all; say so rather than imply false precision.
    date_is_estimate: bool = False
    authors: tuple[Text, ...] = ()
    url: HttpsUrl | None = None
    note: Text | None = None


class Tip(Item):
    """A top tip for collaboration, with a question that turns it into reflection."""

    title: Text
    text: Text
    question: Text
    topics: tuple[Slug, ...] = Field(min_length=1)
    source: Slug


class Lesson(Item):
    """A mistake leaders made, told so others can avoid it."""

    title: Text
    text: Text
    source: Slug


class Principle(Item):
    """One of the five CCPL principles, numbered as in the national guidance."""

    number: Annotated[int, Field(ge=1, strict=True)]
    title: Text
    summary: Text
    in_practice: tuple[Text, ...] = Field(min_length=1)
    source: Slug


class Expectation(Item):
    """A core expectation the national guidance places on every ICS."""

    title: Text
    text: Text
    source: Slug


class Resource(Item):
    """A leadership development resource; url is only ever an organisation's home page."""

    name: Text
    category: ResourceCategory
    description: Text
    url: HttpsUrl | None = None
    source: Slug


class CaseStudy(Item):
    """A system's CCPL work, findable by the words people would type."""

    name: Text
    system: Text
    summary: Text
    highlights: tuple[Text, ...] = Field(min_length=1)
    keywords: tuple[Slug, ...] = Field(min_length=1)
    source: Slug


class Profession(Item):
    """A clinical or care profession members can pick when they join."""

    name: Text
    source: Slug
    # The roles people type for it ("paramedic" for AHPs), so `profile paramedic` finds it.
    aliases: tuple[Alias, ...] = ()


class ForumPrompt(Item):
    """An open question for a monthly forum, tied to the principle it explores."""

    principle: Slug
    text: Text
    source: Slug


class LunchTopic(Item):
    """A lunch-and-learn session idea."""

    title: Text
    description: Text
    principle: Slug | None = None
    source: Slug


class ContentPack(BaseModel):
    """The whole validated pack; immutable so handlers can share one instance safely."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    RESOURCE_CATEGORIES: ClassVar[dict[str, str]] = RESOURCE_CATEGORIES

    sources: tuple[Source, ...] = ()
    tips: tuple[Tip, ...] = ()
    lessons: tuple[Lesson, ...] = ()
    principles: tuple[Principle, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    resources: tuple[Resource, ...] = ()
    case_studies: tuple[CaseStudy, ...] = ()
    professions: tuple[Profession, ...] = ()
    forum_prompts: tuple[ForumPrompt, ...] = ()
    lunch_topics: tuple[LunchTopic, ...] = ()

    def source(self, source_id: str) -> Source:
        """Return the cited source; a miss is a bug because loading checks every citation."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(f"unknown source id {source_id!r}")

    def principle(self, number_or_id: int | str) -> Principle | None:
        """Find a principle by number (as people say it) or by id (as files refer to it)."""
        for principle in self.principles:
            if number_or_id in (principle.number, principle.id):
                return principle
        return None

    def resources_in(self, *, category: str) -> tuple[Resource, ...]:
        """Resources of one category, in pack order, for a category menu."""
        return tuple(resource for resource in self.resources if resource.category == category)

    def tips_about(self, *, topic: str) -> tuple[Tip, ...]:
        """Tips tagged with a topic or about it in their words, so people can filter by
        what they care about and a topic rarely narrows to the one tip just read."""
        wanted = _stems(topic)
        if not wanted:
            return ()
        return tuple(
            tip
            for tip in self.tips
            if wanted <= _stems(" ".join(tip.topics)) | _stems(f"{tip.title} {tip.text}")
        )

    def find_resources(self, *, query: str, every_word: bool = True) -> tuple[Resource, ...]:
        """Resources mentioning every word typed, or else the most of them, in pack order.

        With `every_word=False`, "systems leadership" finds those about either
        when none is about both, so a search rarely comes back empty-handed.
        """
        wanted = _stems(query) - _STOP_WORDS
        if not wanted:
            return ()
        scored = [
            (len(wanted & _stems(f"{r.name} {r.description} {RESOURCE_CATEGORIES[r.category]}")), r)
            for r in self.resources
        ]
        best = len(wanted) if every_word else max(score for score, _ in scored)
        return tuple(r for score, r in scored if best and score == best)

    def prompts_for(self, *, principle: str) -> tuple[ForumPrompt, ...]:
        """Forum prompts for one principle id."""
        return tuple(prompt for prompt in self.forum_prompts if prompt.principle == principle)

    def find_case_studies(self, *, query: str) -> tuple[CaseStudy, ...]:
        """Case studies matching every word typed, as a keyword or within the name or system.

        Every word must match so that `surrey growing` narrows to one programme
        while `surrey` alone lists all of them.
        """
        words = query.replace(",", " ").lower().split()
        if not words:
            return ()
        return tuple(
            study
            for study in self.case_studies
            if all(
                word in study.keywords or word in study.name.lower() or word in study.system.lower()
                for word in words
            )
        )
