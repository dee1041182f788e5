"""The Teams app package: manifest.json and two icons, zipped, ready to upload.

The command lists come from the registry, as `help` does, so Teams suggests the
commands the bot really has. Icons are drawn here rather than shipped, so the
package needs no binary files in the repository.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from PIL import Image, ImageDraw

from handlers.core.registry import REGISTRY, Registry

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
NHS_BLUE = "#005EB8"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
COMMANDS_PER_LIST = 10  # Teams' limit per scope
TITLE_LIMIT = 32
DESCRIPTION_LIMIT = 128
RSC_PERMISSIONS = ("ChannelMessage.Read.Group", "TeamMember.Read.Group")
# What people do in a channel, before what they do alone.
CHANNEL_FIRST = ("tip", "forum", "lunch", "meeting", "poll", "principles", "resources", "case")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _commands(
    prefer: tuple[str, ...] = (), *, registry: Registry = REGISTRY
) -> list[dict[str, str]]:
    by_name = {
        spec.name: spec.summary.replace("`", "") for spec in registry.commands() if spec.listed
    }
    ordered = [n for n in prefer if n in by_name] + [n for n in by_name if n not in prefer]
    if "help" in by_name and "help" not in ordered[:COMMANDS_PER_LIST]:
        ordered = [*ordered[: COMMANDS_PER_LIST - 1], "help"]
    return [
        {"title": _clip(name, TITLE_LIMIT), "description": _clip(by_name[name], DESCRIPTION_LIMIT)}
        for name in ordered[:COMMANDS_PER_LIST]
    ]


def manifest(
    *, app_id: str, website: str, version: str = "1.0.0", registry: Registry = REGISTRY
) -> dict[str, Any]:
    """The manifest; the Teams app id is the bot's own id, so one id names both."""
    base = website.rstrip("/")
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "CCPL learning network",
            "websiteUrl": base,
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        "name": {"short": "CCPL", "full": "CCPL learning network"},
        "description": {
            "short": "Learning network for clinical and care professional leaders",
            "full": (
                "Top tips for collaboration, the five CCPL principles, lessons learned, case "
                "studies and leadership development resources for clinical and care "
                "professional leaders in the NHS and social care. Private CPD reflections, "
                "forums, journal clubs and lunch-and-learn sessions. Type help to start."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": NHS_BLUE,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(registry=registry)},
                    {
                        "scopes": ["team", "groupChat"],
                        "commands": _commands(CHANNEL_FIRST, registry=registry),
                    },
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
        # Resource-specific consent, granted by whoever adds the app to a team: every
        # channel message reaches the bot (to be counted, never stored), and the
        # team's roster can be read for the facilitation reports.
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": name, "type": "Application"} for name in RSC_PERMISSIONS
                ]
            }
        },
    }


def _network(draw: ImageDraw.ImageDraw, *, size: int, fill: str, width: int) -> None:
    """Three joined nodes: people in a network, legible at 32 pixels."""
    s = size
    nodes = [(0.5 * s, 0.27 * s), (0.27 * s, 0.7 * s), (0.73 * s, 0.7 * s)]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            draw.line([a, b], fill=fill, width=width)
    radius = 0.13 * s
    for x, y in nodes:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def color_icon() -> bytes:
    """192x192, full colour: white network on NHS blue."""
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), NHS_BLUE)
    _network(ImageDraw.Draw(image), size=COLOR_SIZE, fill="#FFFFFF", width=12)
    return _png(image)


def outline_icon() -> bytes:
    """32x32, white on transparent, as Teams requires for the outline icon."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    _network(ImageDraw.Draw(image), size=OUTLINE_SIZE, fill="#FFFFFF", width=2)
    return _png(image)


def build_package(*, app_id: str, website: str = "https://ccpl.example.org") -> bytes:
    """The zip to upload: the three files at its root, where Teams looks for them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        body = json.dumps(manifest(app_id=app_id, website=website), indent=2)
        package.writestr("manifest.json", body)
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return out.getvalue()
