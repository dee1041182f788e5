"""An organisation's own files change what the bot serves, without touching the built-in pack."""

from pathlib import Path

import pytest

from content import ContentError, load_pack
from tests.content.packs import TIP, write


def test_overlay_replaces_a_tip_by_id_and_adds_a_new_one(tmp_path: Path) -> None:
    built_in = load_pack()
    write(
        tmp_path,
        "tips.yaml",
        TIP.format(id="invest-in-relationships", title="Our take on relationships")
        + TIP.format(id="listen-first", title="Listen first"),
    )

    pack = load_pack(overlay=tmp_path)

    assert len(pack.tips) == len(built_in.tips) + 1
    assert pack.tips[0].id == "invest-in-relationships"
    assert pack.tips[0].title == "Our take on relationships"
    assert pack.tips[-1].id == "listen-first"
    assert [tip.id for tip in pack.tips[1:5]] == [tip.id for tip in built_in.tips[1:]]
    assert pack.lessons == built_in.lessons
    # The cached built-in pack must not leak the organisation's changes.
    assert load_pack().tips[0].title == built_in.tips[0].title != "Our take on relationships"


def test_invalid_overlay_raises_with_every_problem(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tips.yaml",
        TIP.format(id="listen-first", title="Listen first").replace("topics", "topix"),
    )
    write(tmp_path, "notes.txt", "not content")

    with pytest.raises(ContentError) as caught:
        load_pack(overlay=tmp_path)

    problems = caught.value.problems
    assert {(p.file, p.line) for p in problems} == {
        ("notes.txt", None),
        ("tips.yaml", 5),
        ("tips.yaml", 1),
    }
    assert "tips.yaml:5: unknown key 'topix'" in str(caught.value)


def test_missing_overlay_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_pack(overlay=tmp_path / "missing")
    assert len(caught.value.problems) == 1


def test_an_overlay_can_add_a_profession_with_aliases(tmp_path: Path) -> None:
    write(
        tmp_path,
        "professions.yaml",
        "- id: dentists\n  name: Dentists\n  source: ccpl-explained\n"
        "  aliases: [orthodontist, dental hygienist]\n",
    )
    pack = load_pack(overlay=tmp_path)
    assert pack.professions[-1].aliases == ("orthodontist", "dental hygienist")


def test_an_alias_naming_two_professions_is_a_problem_on_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "professions.yaml",
        "- id: dentists\n  name: Dentists\n  source: ccpl-explained\n"
        "  aliases: [orthodontist, paramedic]\n",
    )
    with pytest.raises(ContentError) as caught:
        load_pack(overlay=tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "professions.yaml:4: alias 'paramedic' already names profession "
        "'allied-health-professionals'"
    ]
