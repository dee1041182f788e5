"""Loading the built-in pack, optionally with an organisation's own files layered on top."""

import functools
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Final

from content.build import FILE_NAMES, build_pack
from content.problems import ContentError, ContentProblem
from content.schema import ContentPack

BUILTIN_DIR: Final[Path] = Path(__file__).resolve().parent / "pack"


@functools.lru_cache(maxsize=1)
def builtin_pack() -> ContentPack:
    """The shipped pack, parsed once per process because the bot loads it on every start."""
    pack, problems = build_pack(path=BUILTIN_DIR, base=ContentPack())
    if pack is None:
        raise ContentError(problems=problems)
    return pack


def load_pack(*, overlay: Path | None = None) -> ContentPack:
    """Return the built-in pack, or it with an organisation's directory layered over it.

    Overlays are re-read on every call so edits take effect without a restart.
    Raises ContentError listing every problem if anything is invalid.
    """
    base = builtin_pack()
    if overlay is None:
        return base
    pack, problems = build_pack(path=overlay, base=base)
    if pack is None:
        raise ContentError(problems=problems)
    return pack


def overlay_from_texts(*, files: Mapping[str, str], base: ContentPack) -> ContentPack:
    """`base` with an organisation's pack files layered over it, given as text by file name
    (`tips.yaml`, ...) rather than as a directory, as an organisation stores them.

    Raises ContentError whose problems name each file by its bare name, with its line.
    """
    with tempfile.TemporaryDirectory(prefix="ccpl-overlay-") as folder:
        root = Path(folder)
        for name, text in files.items():
            if name not in FILE_NAMES:
                raise ContentError(
                    problems=[ContentProblem(file=name, line=None, message="not a pack file")]
                )
            (root / name).write_text(text, encoding="utf-8")
        pack, problems = build_pack(path=root, base=base)
    if pack is None:
        prefix = str(root) + "/"
        raise ContentError(
            problems=[replace(p, file=p.file.removeprefix(prefix)) for p in problems]
        )
    return pack
