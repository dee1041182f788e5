"""Checking an organisation's pack before it goes live, reporting everything at once."""

from pathlib import Path

from content.build import build_pack
from content.loader import builtin_pack
from content.problems import ContentProblem


def validate_dir(*, path: Path) -> list[ContentProblem]:
    """Every problem in a custom pack directory layered over the built-in one; empty means valid."""
    _pack, problems = build_pack(path=path, base=builtin_pack())
    return problems
