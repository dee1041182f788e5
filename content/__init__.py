"""Curated CCPL learning content (tips, principles, resources, case studies) for the bot.

Pure data and validation: nothing here may import a chat platform or the bot's other layers.
"""

from content.build import FILE_NAMES
from content.loader import BUILTIN_DIR, load_pack
from content.problems import ContentError, ContentProblem
from content.schema import (
    RESOURCE_CATEGORIES,
    CaseStudy,
    ContentPack,
    Expectation,
    ForumPrompt,
    Lesson,
    LunchTopic,
    Principle,
    Profession,
    Resource,
    ResourceCategory,
    Source,
    Tip,
)
from content.validate import validate_dir

__all__ = [
    "BUILTIN_DIR",
    "FILE_NAMES",
    "RESOURCE_CATEGORIES",
    "CaseStudy",
    "ContentError",
    "ContentPack",
    "ContentProblem",
    "Expectation",
    "ForumPrompt",
    "Lesson",
    "LunchTopic",
    "Principle",
    "Profession",
    "Resource",
    "ResourceCategory",
    "Source",
    "Tip",
    "load_pack",
    "validate_dir",
]
