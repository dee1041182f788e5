"""Loading the built-in pack, optionally with an organisation's own files layered on top."""

import functools
from pathlib import Path
from typing import Final

from content.build import build_pack
from content.problems import ContentError
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
