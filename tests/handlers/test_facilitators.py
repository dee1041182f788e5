"""Naming people in `/ccpl facilitators add`: Slack mentions and ids, Teams object ids."""

from __future__ import annotations

import pytest

from handlers.core.errors import Invalid
from handlers.people.facilitators import mentioned_users

GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def test_slack_mentions_bare_ids_and_teams_object_ids_are_understood() -> None:
    assert mentioned_users(("<@U0ANN|ann>", "<@W0BEN>", "U0CAT1234", GUID)) == [
        "U0ANN",
        "W0BEN",
        "U0CAT1234",
        GUID,
    ]


def test_a_plain_name_is_refused_kindly() -> None:
    with pytest.raises(Invalid, match="couldn't tell who “ann” is"):
        mentioned_users(("ann",))
