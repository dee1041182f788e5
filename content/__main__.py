"""`python -m content DIR`: check an organisation's pack before deploying it."""

import sys
from collections.abc import Sequence
from pathlib import Path

from content.validate import validate_dir


def main(*, argv: Sequence[str]) -> int:
    """Print every problem and return a shell exit code, so CI can gate on it."""
    if len(argv) != 1:
        print("usage: python -m content PACK_DIR", file=sys.stderr)
        return 2
    problems = validate_dir(path=Path(argv[0]))
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"{argv[0]}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(argv=sys.argv[1:]))
