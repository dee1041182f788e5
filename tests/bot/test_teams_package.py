"""`ccpl-bot teams package`: a zip Teams accepts, built from settings and the help table."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot import cli
from handlers.core.registry import REGISTRY

APP_ID = "6f1c2a7e-1b2c-4d3e-8f90-0a1b2c3d4e5f"


def test_the_package_has_the_bot_id_commands_and_both_icons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    out = tmp_path / "ccpl.zip"
    assert cli.main(["teams", "package", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out

    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = Image.open(io.BytesIO(package.read("color.png")))
        outline = Image.open(io.BytesIO(package.read("outline.png")))

    assert manifest["manifestVersion"] == "1.17"
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is True  # the consent flow for exports and invites
    known = {spec.name for spec in REGISTRY.commands()}
    for listing in bot["commandLists"]:
        commands = listing["commands"]
        assert 1 <= len(commands) <= 10
        for command in commands:
            assert command["title"] in known
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    personal = next(c for c in bot["commandLists"] if c["scopes"] == ["personal"])
    assert {"tip", "reflect", "help"} <= {c["title"] for c in personal["commands"]}
    for url in manifest["developer"].values():
        assert url == "CCPL learning network" or url.startswith("https://")
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80

    # Resource-specific consent: every channel message (to count it) and the roster.
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["webApplicationInfo"]["resource"]
    assert sorted(
        (p["name"], p["type"]) for p in manifest["authorization"]["permissions"]["resourceSpecific"]
    ) == [("ChannelMessage.Read.Group", "Application"), ("TeamMember.Read.Group", "Application")]

    assert color.size == (192, 192) and outline.size == (32, 32)
    pixels = list(outline.convert("RGBA").get_flattened_data())
    assert {p[3] for p in pixels} >= {0, 255}  # transparent background, opaque drawing
    assert all(p[:3] == (255, 255, 255) for p in pixels if p[3] == 255)  # white only


def test_without_an_app_id_it_says_which_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert cli.main(["teams", "package"]) == 2
    assert "MICROSOFT_APP_ID is required" in capsys.readouterr().err
    assert not (tmp_path / "ccpl-teams.zip").exists()
