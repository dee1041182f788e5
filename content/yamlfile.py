"""YAML parsing that keeps the node tree, so errors can point at the line a person has to edit."""

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def parse(*, text: str) -> tuple[Node | None, Any]:
    """Parse one YAML document into its node tree (for line numbers) and its Python value.

    Raises yaml.YAMLError on a syntax error; MarkedYAMLError carries the line.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
    return node, data


def line_of(node: Node) -> int:
    """1-based line where a node starts, as editors count."""
    return node.start_mark.line + 1


def line_for(*, node: Node, loc: Sequence[str | int]) -> int:
    """Line of the deepest node along a pydantic error location.

    Stops at the last node it can find, so a missing field points at its item.
    """
    current = node
    line = line_of(node)
    for depth, part in enumerate(loc):
        is_last = depth == len(loc) - 1
        if isinstance(current, MappingNode):
            match = _find_key(current, str(part))
            if match is None:
                return line
            key, value = match
            # Point unknown or invalid keys at the key itself; descend into values for nested parts.
            line = line_of(key) if is_last else line_of(value)
            current = value
        elif isinstance(current, SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(current.value):
                return line
            current = current.value[part]
            line = line_of(current)
        else:
            return line
    return line


def duplicate_keys(*, node: MappingNode) -> list[tuple[str, int]]:
    """Keys repeated in one mapping, with the line of each repeat.

    PyYAML silently keeps the last value, which would hide an editing mistake.
    """
    seen: set[str] = set()
    repeats: list[tuple[str, int]] = []
    for key, _value in node.value:
        if not isinstance(key, ScalarNode) or key.value == "<<":
            continue
        if key.value in seen:
            repeats.append((key.value, line_of(key)))
        seen.add(key.value)
    return repeats


def _find_key(node: MappingNode, name: str) -> tuple[Node, Node] | None:
    found: tuple[Node, Node] | None = None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == name:
            found = (key, value)  # the last wins, matching what the loader kept
    return found
