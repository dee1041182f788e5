"""content/ is a leaf layer: the bot and handlers depend on it, never the other way round."""

import ast
from pathlib import Path

import content

FORBIDDEN = {"bot", "handlers", "storage", "slack_bolt", "slack_sdk", "aiohttp", "apscheduler"}


def test_content_imports_no_platform_or_upper_layer() -> None:
    package_dir = Path(content.__file__).parent
    for module in package_dir.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert not roots & FORBIDDEN, f"{module.name} imports {roots & FORBIDDEN}"
