"""An organisation checking its own pack gets every problem, each pointing at file and line."""

from pathlib import Path

from content import ContentProblem, validate_dir
from tests.content.packs import TIP, write


def _where(problems: list[ContentProblem]) -> set[tuple[str, int | None]]:
    return {(problem.file, problem.line) for problem in problems}


def test_one_problem_each_for_four_different_mistakes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tips.yaml",
        """
        - id: listen-first
          title: Listen first
          text: Say what you heard before you say what you think.
          question: Who did you listen to today?
          topics: [listening]
          source: practical-guide
        - id: second-tip
          title: Second tip
          titel: Typo
          text: Another tip.
          question: Why?
          topics: [trust]
          source: practical-guide
        """,
    )
    write(
        tmp_path,
        "lessons.yaml",
        """
        - id: my-lesson
          title: A lesson
          text: What we learned.
          source: practical-guide
        - id: my-lesson
          title: The same id again
          text: Oops.
          source: practical-guide
        """,
    )
    write(
        tmp_path,
        "lunch_topics.yaml",
        """
        - id: my-lunch
          title: Our lunch
          description: A session.
          source: no-such-source
        """,
    )
    write(
        tmp_path,
        "resources.yaml",
        """
        - id: our-intranet
          name: Our intranet
          category: websites
        description: broken indentation
          source: practical-guide
        """,
    )

    problems = validate_dir(path=tmp_path)

    assert _where(problems) == {
        ("tips.yaml", 9),
        ("lessons.yaml", 5),
        ("lunch_topics.yaml", 4),
        ("resources.yaml", 4),
    }
    messages = {problem.file: problem.message for problem in problems}
    assert messages["tips.yaml"] == "unknown key 'titel'"
    assert messages["lessons.yaml"] == "duplicate id 'my-lesson' (first used on line 1)"
    assert messages["lunch_topics.yaml"] == "source: unknown source id 'no-such-source'"
    assert messages["resources.yaml"].startswith("YAML syntax error")


def test_problem_reads_like_a_compiler_message() -> None:
    assert str(ContentProblem("tips.yaml", 12, "unknown key 'titel'")) == (
        "tips.yaml:12: unknown key 'titel'"
    )
    assert str(ContentProblem("notes.txt", None, "unknown file name")) == (
        "notes.txt: unknown file name"
    )


def test_valid_custom_pack_has_no_problems(tmp_path: Path) -> None:
    write(tmp_path, "tips.yaml", TIP.format(id="listen-first", title="Listen first"))
    write(
        tmp_path,
        "sources.yaml",
        """
        - id: our-strategy
          title: Our leadership strategy
          publisher: Example ICB
          date: "2024-03-01"
        """,
    )
    write(
        tmp_path,
        "forum_prompts.yaml",
        """
        - id: our-prompt
          principle: shared-learning
          text: What did you learn from a partner this month?
          source: our-strategy
        """,
    )
    assert validate_dir(path=tmp_path) == []


def test_missing_field_points_at_the_item(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lessons.yaml",
        """
        - id: first
          title: First
          text: Fine.
          source: practical-guide

        - id: second
          text: No title.
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    assert [(p.line, p.message) for p in problems] == [(6, "missing required field 'title'")]


def test_wrong_types_are_reported_at_their_own_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "principles.yaml",
        """
        - number: six
          id: our-principle
          title: Our principle
          summary: Something we value.
          in_practice:
            - A real example.
            - 42
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    assert {(p.line, p.message.split(":")[0]) for p in problems} == {
        (1, "number"),
        (7, "in_practice item 2"),
    }


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    write(
        tmp_path,
        "resources.yaml",
        """
        - id: podcast
          name: A podcast
          category: podcasts
          description: Good listening.
          url: http://example.org/
          source: practical-guide
        - id: Bad Id
          name: Another
          category: training
          description: Fine otherwise.
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    by_line = {problem.line: problem.message for problem in problems}
    assert set(by_line) == {3, 5, 7}
    assert "unknown value 'podcasts'" in by_line[3]
    assert "peer-learning" in by_line[3]
    assert "https" in by_line[5]
    assert "lowercase" in by_line[7]


def test_dangling_principle_in_forum_prompt(tmp_path: Path) -> None:
    write(
        tmp_path,
        "forum_prompts.yaml",
        """
        - id: our-prompt
          text: What would you change?
          principle: principle-nine
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    assert [(p.file, p.line) for p in problems] == [("forum_prompts.yaml", 3)]
    assert "principle-nine" in problems[0].message


def test_broken_source_is_not_also_reported_as_dangling(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sources.yaml",
        """
        - id: our-strategy
          title: Our leadership strategy
          publisher: Example ICB
          date: last spring
        """,
    )
    write(
        tmp_path,
        "tips.yaml",
        TIP.replace("practical-guide", "our-strategy").format(
            id="listen-first", title="Listen first"
        ),
    )
    problems = validate_dir(path=tmp_path)
    assert [(p.file, p.line) for p in problems] == [("sources.yaml", 4)]


def test_principle_numbers_must_stay_unique(tmp_path: Path) -> None:
    write(
        tmp_path,
        "principles.yaml",
        """
        - number: 2
          id: our-own-principle
          title: Our own
          summary: Clashes with principle 2.
          in_practice: [An example.]
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    assert [(p.file, p.line) for p in problems] == [("principles.yaml", 1)]
    assert "shared-learning" in problems[0].message


def test_repeated_key_in_an_item_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lessons.yaml",
        """
        - id: my-lesson
          title: First title
          title: Second title
          text: Which title wins?
          source: practical-guide
        """,
    )
    problems = validate_dir(path=tmp_path)
    assert [(p.line, p.message) for p in problems] == [(3, "key 'title' appears twice")]


def test_file_that_is_not_a_list(tmp_path: Path) -> None:
    write(tmp_path, "tips.yaml", "id: lonely\ntitle: Not in a list\n")
    problems = validate_dir(path=tmp_path)
    assert [(p.file, p.line) for p in problems] == [("tips.yaml", 1)]
    assert "list" in problems[0].message


def test_unknown_file_names_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "tip.yaml", "[]\n")
    write(tmp_path, "lessons.yml", "[]\n")
    write(tmp_path, ".DS_Store", "")
    problems = {problem.file: problem.message for problem in validate_dir(path=tmp_path)}
    assert set(problems) == {"tip.yaml", "lessons.yml"}
    assert "tips.yaml" in problems["tip.yaml"]
    assert "rename it to lessons.yaml" in problems["lessons.yml"]


def test_empty_file_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, "tips.yaml", "# nothing yet\n")
    assert validate_dir(path=tmp_path) == []


def test_missing_directory_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    problems = validate_dir(path=missing)
    assert len(problems) == 1
    assert problems[0].file == str(missing)
    assert "does not exist" in problems[0].message
