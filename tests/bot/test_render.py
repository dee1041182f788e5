"""The handlers' small Markdown subset, as Slack and the terminal show it."""

from __future__ import annotations

from bot.render.markup import to_mrkdwn, to_plain


def test_slack_escapes_control_characters_but_keeps_links_and_channels() -> None:
    text = "See [NHS Confederation](https://www.nhsconfed.org/) in <#C0FORUM>: a<b & **c**"
    assert to_mrkdwn(text) == (
        "See <https://www.nhsconfed.org/|NHS Confederation> in <#C0FORUM>: a&lt;b &amp; *c*"
    )


def test_a_person_cannot_smuggle_a_mention_through_text() -> None:
    assert to_mrkdwn("<!channel> <@U123>") == "&lt;!channel&gt; &lt;@U123&gt;"


def test_only_the_people_a_reply_names_become_mentions() -> None:
    text = "<@UQUIET> shared: cc <@UBOSS> <!channel>"
    assert to_mrkdwn(text, people=frozenset({"UQUIET"})) == (
        "<@UQUIET> shared: cc &lt;@UBOSS&gt; &lt;!channel&gt;"
    )


def test_terminal_text_has_no_markers() -> None:
    text = "**Topic:** _trust_ in <#console>, see [site](https://example.org/) `tip`"
    assert to_plain(text) == "Topic: trust in #console, see site (https://example.org/) tip"
