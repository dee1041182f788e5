"""`cpd` in Teams: the settings as a card, a bad date shown on the card with the rest kept,
and the export in the chosen regulator's shape."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator

import pypdf
import pytest

from handlers import Context
from tests.bot.teams_harness import TeamsHarness, find_action, inputs, running_teams
from tests.fakes.teams_connector import Sent


@pytest.fixture
async def bot(ctx: Context) -> AsyncIterator[TeamsHarness]:
    async with running_teams(ctx=ctx) as harness:
        yield harness


async def test_settings_by_card_then_an_export_for_the_hcpc(bot: TeamsHarness) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    await bot.say("profile allied health professionals", tenant=tenant, user=user)
    sent = await bot.say("cpd", tenant=tenant, user=user)
    form = next(s for s in sent if s.cards and "regulator" in inputs(s.cards[0]))
    fields = inputs(form.cards[0])
    assert fields["regulator"]["type"] == "Input.ChoiceSet"
    assert fields["regulator"]["value"] == "hcpc"  # suggested by their profession
    assert {c["value"] for c in fields["regulator"]["choices"]} == {
        "nmc",
        "gphc",
        "hcpc",
        "gmc",
        "swe",
    }

    typed = {
        "regulator": "hcpc",
        "renewal_date": "31 June 2027",
        "full_name": "Rhys Morgan",
        "registration_number": "PH123456",
    }
    save = find_action(form, "Save")["title"]
    [again] = await bot.press(form, title=save, tenant=tenant, user=user, inputs=typed)
    assert again.update and again.id == form.id  # the same card, with the error on it
    body = again.cards[0]["body"]
    at = next(i for i, item in enumerate(body) if item.get("id") == "renewal_date")
    error = next(item for item in body[at + 1 :] if item.get("color") == "Attention")
    assert "Enter the date as YYYY-MM-DD" in error["text"]
    kept = {k: v.get("value") for k, v in inputs(again.cards[0]).items()}
    assert kept["full_name"] == "Rhys Morgan" and kept["registration_number"] == "PH123456"

    [saved] = await bot.press(
        again, title=save, tenant=tenant, user=user, inputs={**typed, "renewal_date": "2027-06-30"}
    )
    assert saved.update and "Saved your CPD settings" in saved.text
    assert "Regulator: Health and Care Professions Council" in saved.text
    assert "Registration renewal date: 30 June 2027" in saved.text

    [form] = await bot.say("reflect hcpc", tenant=tenant, user=user)
    answers = {
        "title": "Falls prevention study day",
        "activity": "A study day on falls prevention, with a practical session.",
        "cpd_minutes": "360",
        "visibility": "private",
    }
    await bot.press(form, title="Save", tenant=tenant, user=user, inputs=answers)
    sent = await bot.say("export", tenant=tenant, user=user)
    reader = pypdf.PdfReader(io.BytesIO(await _accept_pdf(bot, sent, tenant=tenant, user=user)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Health and Care Professions Council (HCPC)" in text
    assert "HCPC registration number: PH123456" in text
    assert "Covers: 1 July 2025 to 30 June 2027" in text
    assert "Activities for a CPD profile: 1 of 4 (3 to go)" in text
    assert "How it benefited service users (standard 4)" in text
    assert "Summary of practice history" in text  # the profile's part only they can write
    assert "Gaps of three months or more, to explain in your statement:" in text
    assert "• 1 Jul 2025 to 2 Nov 2026" in text
    assert "6 h" in text


async def _accept_pdf(bot: TeamsHarness, sent: list[Sent], *, tenant: str, user: str) -> bytes:
    """Accept the PDF's file consent card, as Teams does, and return what was uploaded."""
    offers = [
        (s, a)
        for s in sent
        for a in s.activity.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    ]
    card, offer = next((s, a) for s, a in offers if a["name"].endswith(".pdf"))
    assert offer["name"].startswith("cpd-hcpc-")
    answer = await bot.post(
        bot.activity(
            tenant=tenant,
            user=user,
            kind="invoke",
            name="fileConsent/invoke",
            value={
                "type": "fileUpload",
                "action": "accept",
                "context": offer["content"]["acceptContext"],
                "uploadInfo": {
                    "contentUrl": f"https://contoso.sharepoint.example/{offer['name']}",
                    "name": offer["name"],
                    "uploadUrl": bot.fake.upload_url(offer["name"]),
                    "fileType": "pdf",
                    "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8D",
                },
            },
            reply_to=card.id,
        )
    )
    assert answer.status == 200
    return bot.fake.uploads[offer["name"]]
