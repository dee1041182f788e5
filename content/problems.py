"""Problem reports shared by the loader and the validator, so both speak the same language."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ContentProblem:
    """One thing wrong with a content pack, pointing at the file and line to fix."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when a pack cannot be loaded; carries every problem so they can be fixed in one go."""

    def __init__(self, *, problems: Sequence[ContentProblem]) -> None:
        self.problems: tuple[ContentProblem, ...] = tuple(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in content pack:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)
