"""Read a pack directory over a base pack and collect every problem instead of stopping at one."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, SequenceNode

from content.problems import ContentProblem
from content.schema import (
    CaseStudy,
    ContentPack,
    Expectation,
    ForumPrompt,
    Item,
    Lesson,
    LunchTopic,
    Principle,
    Profession,
    Resource,
    Source,
    Tip,
)
from content.yamlfile import duplicate_keys, line_for, line_of, parse


@dataclass(frozen=True)
class Collection:
    """Ties a file name to the ContentPack field and model it fills."""

    file: str
    field: str
    model: type[Item]


COLLECTIONS: Final[tuple[Collection, ...]] = (
    Collection("sources.yaml", "sources", Source),
    Collection("tips.yaml", "tips", Tip),
    Collection("lessons.yaml", "lessons", Lesson),
    Collection("principles.yaml", "principles", Principle),
    Collection("expectations.yaml", "expectations", Expectation),
    Collection("resources.yaml", "resources", Resource),
    Collection("case_studies.yaml", "case_studies", CaseStudy),
    Collection("professions.yaml", "professions", Profession),
    Collection("forum_prompts.yaml", "forum_prompts", ForumPrompt),
    Collection("lunch_topics.yaml", "lunch_topics", LunchTopic),
)
FILE_NAMES: Final[tuple[str, ...]] = tuple(collection.file for collection in COLLECTIONS)

_ItemT = TypeVar("_ItemT", bound=Item)


@dataclass(frozen=True)
class _Located:
    item: Item
    file: str
    node: Node


@dataclass
class _FileResult:
    items: list[_Located]
    # Ids of items that failed validation: references to them are not reported again as dangling.
    broken_ids: set[str]
    problems: list[ContentProblem]


def build_pack(*, path: Path, base: ContentPack) -> tuple[ContentPack | None, list[ContentProblem]]:
    """Layer the pack files in path over base: same id replaces, new id appends.

    Returns the merged pack, or None with every problem found.
    """
    if not path.is_dir():
        reason = "is not a directory" if path.exists() else "directory does not exist"
        return None, [ContentProblem(file=str(path), line=None, message=reason)]

    problems = _check_entries(path)
    found: dict[str, list[_Located]] = {collection.field: [] for collection in COLLECTIONS}
    broken: dict[str, set[str]] = {collection.field: set() for collection in COLLECTIONS}
    for collection in COLLECTIONS:
        file_path = path / collection.file
        if not file_path.is_file():
            continue
        result = _read_collection(file_path=file_path, collection=collection)
        found[collection.field] = result.items
        broken[collection.field] = result.broken_ids
        problems.extend(result.problems)

    merged: dict[str, tuple[Item, ...]] = {
        collection.field: _merge(
            getattr(base, collection.field), [f.item for f in found[collection.field]]
        )
        for collection in COLLECTIONS
    }
    problems.extend(_check_principle_numbers(merged=merged, found=found))
    problems.extend(_check_profession_aliases(merged=merged, found=found))
    problems.extend(_check_references(merged=merged, found=found, broken=broken))
    if problems:
        return None, sorted(problems, key=_reading_order)
    return ContentPack.model_validate(merged), []


def _check_entries(path: Path) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    expected = ", ".join(FILE_NAMES)
    for entry in sorted(path.iterdir()):
        # Dotfiles are editor and OS clutter (.DS_Store, .git), not content.
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            problems.append(ContentProblem(entry.name, None, "unexpected folder; packs are flat"))
        elif entry.name not in FILE_NAMES:
            hint = f"expected one of: {expected}"
            renamed = entry.name.removesuffix(".yml") + ".yaml"
            if entry.name.endswith(".yml") and renamed in FILE_NAMES:
                hint = f"rename it to {renamed}"
            problems.append(ContentProblem(entry.name, None, f"unknown file name; {hint}"))
    return problems


def _read_collection(*, file_path: Path, collection: Collection) -> _FileResult:
    name = collection.file
    result = _FileResult(items=[], broken_ids=set(), problems=[])
    root, data = _load_yaml(file_path=file_path, name=name, problems=result.problems)
    if root is None:
        return result  # unreadable (reported), or empty, which is a legitimate overlay
    if not isinstance(root, SequenceNode) or not isinstance(data, list):
        message = "expected a list of items, each starting with '- '"
        result.problems.append(ContentProblem(name, line_of(root), message))
        return result
    first_line: dict[str, int] = {}
    for node, raw in zip(root.value, data, strict=True):
        _read_item(node=node, raw=raw, collection=collection, first_line=first_line, result=result)
    return result


def _load_yaml(
    *, file_path: Path, name: str, problems: list[ContentProblem]
) -> tuple[Node | None, object]:
    """The file's YAML as nodes (for line numbers) and data; problems noted, never raised."""
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ContentProblem(name, None, f"cannot read file: {exc}"))
        return None, None
    try:
        return parse(text=text)
    except yaml.MarkedYAMLError as exc:
        line = None if exc.problem_mark is None else exc.problem_mark.line + 1
        detail = exc.problem or exc.context or "invalid YAML"
        problems.append(ContentProblem(name, line, f"YAML syntax error: {detail}"))
    except yaml.YAMLError as exc:
        problems.append(ContentProblem(name, None, f"YAML syntax error: {exc}"))
    return None, None


def _read_item(
    *,
    node: Node,
    raw: object,
    collection: Collection,
    first_line: dict[str, int],
    result: _FileResult,
) -> None:
    """One list item: its shape, duplicate keys and ids, then the schema."""
    name = collection.file
    if not isinstance(node, MappingNode) or not isinstance(raw, dict):
        message = "each item must be a set of 'key: value' lines"
        result.problems.append(ContentProblem(name, line_of(node), message))
        return
    for key, line in duplicate_keys(node=node):
        result.problems.append(ContentProblem(name, line, f"key {key!r} appears twice"))
    raw_id = raw.get("id")
    if isinstance(raw_id, str):
        if raw_id in first_line:
            message = f"duplicate id {raw_id!r} (first used on line {first_line[raw_id]})"
            result.problems.append(ContentProblem(name, line_for(node=node, loc=("id",)), message))
            return
        first_line[raw_id] = line_of(node)
    try:
        item = collection.model.model_validate(raw)
    except ValidationError as exc:
        for error in _without_echoes(exc.errors()):
            line = line_for(node=node, loc=error["loc"])
            result.problems.append(ContentProblem(name, line, _describe(error)))
        if isinstance(raw_id, str):
            result.broken_ids.add(raw_id)
        return
    result.items.append(_Located(item=item, file=name, node=node))


def _reading_order(problem: ContentProblem) -> tuple[int, str, int]:
    # Directory-level problems first, then files in pack order, each top to bottom like an editor.
    rank = FILE_NAMES.index(problem.file) if problem.file in FILE_NAMES else -1
    return (rank, problem.file, problem.line or 0)


def _without_echoes(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    # A list whose only element is invalid also fails its "at least one item" rule; the second
    # message is an echo of the first and would send people looking for a problem that isn't there.
    nested = {error["loc"][0] for error in errors if len(error["loc"]) > 1}
    return [
        error
        for error in errors
        if not (
            error["type"] == "too_short" and len(error["loc"]) == 1 and error["loc"][0] in nested
        )
    ]


def _field_path(loc: tuple[int | str, ...]) -> str:
    # Count list entries from 1, as people do when reading a YAML list.
    parts = [f"item {part + 1}" if isinstance(part, int) else part for part in loc]
    return " ".join(parts) or "item"


def _describe(error: ErrorDetails) -> str:
    """Turn a pydantic error into a sentence for someone editing YAML, not reading Python."""
    field = _field_path(error["loc"])
    kind = error["type"]
    value: Any = error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {field!r}"
    if kind == "missing":
        return f"missing required field {field!r}"
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"{field}: unknown value {value!r}; expected {expected}"
    if kind == "string_pattern_mismatch":
        return f"{field}: {value!r} must be lowercase letters and digits joined by hyphens"
    message = error["msg"].removeprefix("Value error, ")
    return f"{field}: {message}"


def _merge(base: tuple[_ItemT, ...], extra: Iterable[_ItemT]) -> tuple[_ItemT, ...]:
    # Replacements keep the built-in position so menus stay in a familiar order.
    replacements = {item.id: item for item in extra}
    merged = [replacements.pop(item.id, item) for item in base]
    merged.extend(replacements.values())
    return tuple(merged)


def _check_principle_numbers(
    *, merged: dict[str, tuple[Item, ...]], found: dict[str, list[_Located]]
) -> list[ContentProblem]:
    located = {f.item.id: f for f in found["principles"]}
    owner: dict[int, str] = {}
    problems: list[ContentProblem] = []
    principles = (item for item in merged["principles"] if isinstance(item, Principle))
    for principle in principles:
        if principle.number not in owner:
            owner[principle.number] = principle.id
            continue
        where = located.get(principle.id)
        line = None if where is None else line_for(node=where.node, loc=("number",))
        message = (
            f"number {principle.number} is already used by principle {owner[principle.number]!r}"
        )
        problems.append(ContentProblem("principles.yaml", line, message))
    return problems


def _check_profession_aliases(
    *, merged: dict[str, tuple[Item, ...]], found: dict[str, list[_Located]]
) -> list[ContentProblem]:
    """An alias names one profession: "consultant" cannot lead to two of them."""
    located = {f.item.id: f for f in found["professions"]}
    professions = [item for item in merged["professions"] if isinstance(item, Profession)]
    owner = {p.name.lower(): p.id for p in professions} | {p.id: p.id for p in professions}
    problems: list[ContentProblem] = []
    for profession in professions:
        for alias in profession.aliases:
            taken = owner.setdefault(alias, profession.id)
            if taken == profession.id:
                continue
            where = located.get(profession.id)
            line = None if where is None else line_for(node=where.node, loc=("aliases",))
            message = f"alias {alias!r} already names profession {taken!r}"
            problems.append(ContentProblem("professions.yaml", line, message))
    return problems


def _check_references(
    *,
    merged: dict[str, tuple[Item, ...]],
    found: dict[str, list[_Located]],
    broken: dict[str, set[str]],
) -> list[ContentProblem]:
    source_ids = {item.id for item in merged["sources"]} | broken["sources"]
    principle_ids = {item.id for item in merged["principles"]} | broken["principles"]
    problems: list[ContentProblem] = []
    # Only items read from this directory are checked: base items were checked when base was built,
    # and an overlay can add or replace but never remove, so their references still resolve.
    for located in (f for collection in COLLECTIONS for f in found[collection.field]):
        item = located.item
        source = getattr(item, "source", None)
        if isinstance(source, str) and source not in source_ids:
            line = line_for(node=located.node, loc=("source",))
            problems.append(
                ContentProblem(located.file, line, f"source: unknown source id {source!r}")
            )
        principle = item.principle if isinstance(item, ForumPrompt | LunchTopic) else None
        if principle is not None and principle not in principle_ids:
            line = line_for(node=located.node, loc=("principle",))
            message = f"principle: unknown principle id {principle!r}"
            problems.append(ContentProblem(located.file, line, message))
    return problems
