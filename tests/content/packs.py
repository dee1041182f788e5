"""Helpers for writing small custom packs in tests."""

import textwrap
from pathlib import Path


def write(directory: Path, name: str, text: str) -> Path:
    """Write dedented YAML so line numbers in tests match what the test shows."""
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


TIP = """\
- id: {id}
  title: {title}
  text: Say what you heard before you say what you think.
  question: Who did you listen to today?
  topics: [listening]
  source: practical-guide
"""
