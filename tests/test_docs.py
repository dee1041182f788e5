"""Links between the guides must land: the README is short and sends people to docs/."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = sorted(
    [
        ROOT / "README.md",
        ROOT / "SECURITY.md",
        ROOT / "bench" / "README.md",
        ROOT / "content" / "README.md",
        *(ROOT / "docs").rglob("*.md"),
    ]
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        anchor, n = slug, 1
        while anchor in found:
            anchor, n = f"{slug}-{n}", n + 1
        found.add(anchor)
    return found


def _prose(page: Path) -> str:
    """The page without code blocks and code spans, where brackets are not links."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def _broken(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    return broken


def test_every_link_between_the_guides_lands_on_a_file_and_heading() -> None:
    assert [problem for page in PAGES for problem in _broken(page)] == []


def test_the_readme_points_to_every_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in ("members", "facilitators", "privacy", "deploy", "operations"):
        assert f"(docs/{guide}.md)" in readme
    assert "(docs/governance/README.md)" in readme
    assert "make run" in readme and "make test" in readme


def test_the_committed_data_flow_diagram_is_what_its_script_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = importlib.util.spec_from_file_location("data_flow", ROOT / "scripts" / "data_flow.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name while the script runs.
    monkeypatch.setitem(sys.modules, "data_flow", script)
    spec.loader.exec_module(script)
    drawn = io.BytesIO()
    script.draw().savefig(drawn, format="png", facecolor="white")
    committed = (ROOT / "docs" / "governance" / "data-flow.png").read_bytes()
    assert drawn.getvalue() == committed, "run: .venv/bin/python scripts/data_flow.py"
