"""The registry: a command declared once is understood, listed, authorised and published."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.slack.manifest import slack_manifest
from bot.teams.package import manifest as teams_manifest
from handlers import Actor, Context, FieldValue, NotAllowed, Reply
from handlers.core.dispatch import handle_text
from handlers.core.help import help_reply
from handlers.core.payloads import ID, NONE, StalePayload, record
from handlers.core.registry import (
    REGISTRY,
    DuplicateDeclaration,
    Registry,
    Role,
    action,
    command,
)

MANIFEST = Path(__file__).parents[2] / "manifest.yml"


def _with_example(*, role: Role = Role.MEMBER) -> Registry:
    """The real registry plus one new command, declared exactly as a feature would."""
    registry = REGISTRY.copy()

    @command(
        name="huddle",
        aliases=("huddles",),
        usage="huddle [topic]",
        summary="a five-minute huddle prompt for your team",
        role=role,
        order=5,
        registry=registry,
    )
    async def huddle(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
        return Reply(text=f"Huddle on {' '.join(args) or 'anything'}")

    return registry


async def test_a_declared_command_runs_by_its_name_and_alias(ctx: Context, actor: Actor) -> None:
    registry = _with_example()
    reply = await handle_text(
        ctx=ctx, actor=actor, text="/ccpl huddles handover", registry=registry
    )
    assert reply.text == "Huddle on handover"
    # The real registry is untouched: the word is still unknown there.
    assert "I don't know `huddle`" in (await handle_text(ctx=ctx, actor=actor, text="huddle")).text


def test_a_declared_command_appears_in_help_and_in_both_manifests() -> None:
    registry = _with_example()
    listing = "\n".join(section.text for section in help_reply(registry=registry).sections)
    assert "`huddle [topic]`: a five-minute huddle prompt for your team" in listing

    slack = yaml.safe_load(slack_manifest(registry=registry))
    hint = slack["features"]["slash_commands"][0]["usage_hint"]
    assert "huddle" in hint.replace(" ", "").split("|")

    teams = teams_manifest(
        app_id="00000000-0000-0000-0000-000000000000",
        website="https://x.example",
        registry=registry,
    )
    for listing_ in teams["bots"][0]["commandLists"]:
        titles = {c["title"] for c in listing_["commands"]}
        assert "huddle" in titles
    assert "huddle" not in json.dumps(
        teams_manifest(app_id="00000000-0000-0000-0000-000000000000", website="https://x.example")
    )


async def test_the_declared_role_is_checked_before_the_handler(ctx: Context, actor: Actor) -> None:
    registry = _with_example(role=Role.FACILITATOR)
    with pytest.raises(NotAllowed, match="`/ccpl huddle` is for facilitators"):
        await handle_text(ctx=ctx, actor=actor, text="huddle", registry=registry)


def test_two_features_cannot_claim_the_same_word_or_action_id() -> None:
    registry = _with_example()

    async def other(*, ctx: Context, actor: Actor, args: tuple[str, ...]) -> Reply:
        return Reply(text="")

    with pytest.raises(DuplicateDeclaration, match="'huddles'"):
        command(name="gather", aliases=("huddles",), usage="gather", summary="", registry=registry)(
            other
        )
    with pytest.raises(DuplicateDeclaration, match="'tip'"):
        command(name="tip", usage="tip", summary="", registry=registry)(other)

    async def pressed(
        *, ctx: Context, actor: Actor, payload: None, values: Mapping[str, FieldValue]
    ) -> Reply:
        return Reply(text="")

    with pytest.raises(DuplicateDeclaration, match=r"tip\.another"):
        action("tip.another", codec=NONE, registry=registry)(pressed)


def test_every_word_and_action_id_in_the_running_registry_is_declared_once() -> None:
    words = REGISTRY.words()
    assert len(words) == len(set(words))
    assert {"tip", "help", "reflect", "room", "quiet", "quiet-hours"} <= set(words)
    assert "tip.another" in REGISTRY.action_ids()


def test_the_committed_manifest_is_what_the_cli_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["slack", "manifest"]) == 0
    assert capsys.readouterr().out == MANIFEST.read_text(encoding="utf-8")


def test_payload_codecs_refuse_what_they_did_not_write() -> None:
    @dataclass(frozen=True)
    class Pick:
        poll_id: int
        option: int
        anonymous: bool

    codec = record(Pick)
    assert codec.decode(codec.encode(Pick(poll_id=4, option=2, anonymous=True))) == Pick(
        poll_id=4, option=2, anonymous=True
    )
    for forged in ("", "4", "4:2", "4:x:1", "-4:2:1", "4:2:yes", "4:2:1:9", "9" * 40 + ":1:1"):
        with pytest.raises(StalePayload):
            codec.decode(forged)
    with pytest.raises(StalePayload):
        ID.decode("12a")
