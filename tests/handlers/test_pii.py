"""Reflections: patient-identifiable details are spotted, ordinary CPD prose is not."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from stdnum.gb import nhs

from handlers.core.pii import PiiFinding, PiiKind, find_pii, pii_message

TODAY = date(2026, 11, 22)


def _found(text: str) -> list[tuple[PiiKind, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text=text, today=TODAY)]


def _kinds(text: str) -> list[PiiKind]:
    return [kind for kind, _ in _found(text)]


# --- NHS numbers -----------------------------------------------------------


def test_the_example_nhs_numbers_really_have_valid_check_digits() -> None:
    assert nhs.is_valid("9434765919")
    assert nhs.is_valid("4010232137")
    assert not nhs.is_valid("9434765918")
    assert not nhs.is_valid("4010232138")


@pytest.mark.parametrize(
    "number",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "401 023 2137",
        "943.476.5919",
        "943/476/5919",
        "9434 765 919",
        "943  476  5919",
        "943 - 476 - 5919",
        "943\u00a0476\u00a05919",
    ],
)
def test_valid_nhs_numbers_are_caught_in_each_format(number: str) -> None:
    text = f"Discussed the patient ({number}) with the team."
    assert _found(text) == [("nhs_number", number)]


@pytest.mark.parametrize("number", ["9434765918", "943 476 5918", "943-476-5918", "4010232138"])
def test_ten_digits_failing_the_check_digit_are_not_flagged_at_all(number: str) -> None:
    assert find_pii(text=f"Reference {number} from the booking system.", today=TODAY) == []


def test_digits_inside_a_longer_run_are_not_an_nhs_number() -> None:
    assert find_pii(text="Order 194347659190 was delivered.", today=TODAY) == []


@pytest.mark.parametrize(
    "text",
    [
        "We read chapter 4 (ISBN 0198526636) at the journal club.",
        "ISBN: 9458073022",
        "Compassionate Leadership, 94-580-7302-2, chapter 6.",
        "Item 943.476.5919.2 on the stock list.",
    ],
)
def test_isbns_and_longer_numbers_are_not_nhs_numbers(text: str) -> None:
    # An ISBN-10 passes the same modulus 11 check as an NHS number.
    assert nhs.is_valid("9458073022")
    assert find_pii(text=text, today=TODAY) == []


def test_a_year_ending_the_sentence_before_is_not_read_into_the_nhs_number() -> None:
    # "2025 609 574" also passes the check digit; one number keeps one separator.
    assert nhs.is_valid("2025609574")
    text = "I joined in 2025. 609 574 3397 was on the letter."
    assert _found(text) == [("nhs_number", "609 574 3397")]


def test_a_date_nobody_was_born_on_does_not_hide_the_phone_number_after_it() -> None:
    text = "My revalidation date is 30/04/2027. 020-794-60970, I have 29 hours."
    assert _found(text) == [("phone", "020-794-60970")]


def test_two_nhs_numbers_side_by_side_are_both_caught() -> None:
    assert _kinds("943 476 5919 401 023 2137") == ["nhs_number", "nhs_number"]


def test_an_nhs_number_that_also_dials_as_a_phone_is_reported_once_as_nhs() -> None:
    # 0120461005 is both a valid Bolton number and a valid NHS check digit.
    assert nhs.is_valid("0120461005")
    assert _found("Number 0120461005 noted.") == [("nhs_number", "0120461005")]


# --- Phone numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "020 7946 0000",
        "0113 496 0000",
        "+44 7700 900123",
        "0044 7700 900123",
        "(01632) 960123",
        "+44 (0)20 7946 0000",
    ],
)
def test_uk_phone_numbers_are_caught(phone: str) -> None:
    assert _found(f"Her daughter asked me to ring {phone} later.") == [("phone", phone)]


def test_a_phone_number_right_after_an_nhs_number_is_still_caught() -> None:
    assert _found("943 476 5919 0113 496 0000") == [
        ("nhs_number", "943 476 5919"),
        ("phone", "0113 496 0000"),
    ]


# --- Postcodes -------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "M1 1AE",
        "B33 8TH",
        "b33 8th",
        "CR2 6XH",
        "DN55 1PT",
        "LS1 4AP",
        "ls14ap",
        "Ls1 4ap",
        "ec1a1bb",
        "GIR 0AA",
    ],
)
def test_full_postcodes_are_caught(postcode: str) -> None:
    assert _found(f"She lives at {postcode} with her son.") == [("postcode", postcode)]


@pytest.mark.parametrize(
    "text",
    [
        "We met in LS1 for the session.",
        "The M62 was closed so we met online.",
        "Vitamin B12 levels came up in the case review.",
        "The team room is B2 1st floor, next to the lifts.",
        "Collaboration across the system takes patience and trust.",
    ],
)
def test_outward_codes_and_ordinary_words_are_not_postcodes(text: str) -> None:
    assert find_pii(text=text, today=TODAY) == []


# --- Emails ----------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe@nhs.net",
        "j_doe+care@example.co.uk",
        "jane.doe [at] nhs [dot] net",
        "jane.doe(at)nhs(dot)net",
        "jane.doe at nhs dot net",
        "jane.doe AT nhs DOT net",
        "jane.doe @ nhs.net",
    ],
)
def test_email_addresses_are_caught(email: str) -> None:
    assert _found(f"Her son ({email}) complained.") == [("email", email)]


@pytest.mark.parametrize(
    "text",
    [
        "I looked at england.nhs.uk for the guidance.",
        "We arrived at Leeds. Then the meeting started.",
        "We met at 3.30pm at the hub, then at Leeds.gov.uk offices.",
    ],
)
def test_websites_and_ordinary_at_are_not_email_addresses(text: str) -> None:
    assert find_pii(text=text, today=TODAY) == []


# --- Dates of birth --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/2020 on the referral.",
        "d.o.b: 12-03-2020",
        "Date of birth 12.03.2020",
        "The baby was born on 2020-03-12.",
        "birthday is 12 March 2020",
        "birth date: March 12 2020",
    ],
)
def test_a_date_after_a_birth_cue_is_caught_even_if_recent(text: str) -> None:
    assert _kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize(
    "when",
    [
        "12/03/1956",
        "12-03-56",
        "12.03.1956",
        "1956-03-12",
        "12 March 1956",
        "12th Mar 1956",
        "March 12 1956",
        "March 12th, 1956",
    ],
)
def test_a_full_date_beside_another_identifier_is_a_date_of_birth(when: str) -> None:
    text = f"Mrs Smith, {when}, of LS1 4AP was admitted."
    assert _found(text) == [("date_of_birth", when), ("postcode", "LS1 4AP")]


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Smith, 12/03/1956, was admitted.",
        "The NHS was founded on 5 July 1948.",
        "I qualified on 01/09/2008 and registered on 15/09/2004.",
        "the Griffiths Report of 25 October 1983",
        "We moved to EMIS templates v1.2.10 in October.",
        "We marked the NHS's 75th birthday on 5 July 2023.",
        "My PIN renewal date is 30/04/1998.",
    ],
)
def test_a_date_with_no_cue_and_no_other_identifier_is_allowed(text: str) -> None:
    # Registration, qualification and historical dates fill revalidation text.
    assert find_pii(text=text, today=TODAY) == []


@pytest.mark.parametrize(
    "text",
    [
        "date of birth: 3 Apr 56",
        "DOB: 03APR1956",
        "born 3rd April '56",
        "d.o.b 03-Apr-1956",
        "seen today, 3/4/56 (DOB)",
        "dob 1956/04/03",
    ],
)
def test_dates_of_birth_in_common_uk_forms_are_caught(text: str) -> None:
    assert _kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize(
    "text",
    [
        "I spoke at the forum on 3 November 2026.",
        "The workshop on 14/10/2025 changed how I chair meetings.",
        "Our network launched on 2019-06-01.",
        "Reviewed again on 12-03-24.",
    ],
)
def test_recent_event_dates_without_a_cue_are_not_flagged(text: str) -> None:
    assert find_pii(text=text, today=TODAY) == []


@pytest.mark.parametrize(
    "text", ["DOB 31/02/1990", "born 30 February 1950", "dob 12/13/1950", "born 00/01/1950"]
)
def test_impossible_dates_are_not_flagged(text: str) -> None:
    assert find_pii(text=text, today=TODAY) == []


def test_ages_and_dates_older_than_any_living_person_are_not_flagged() -> None:
    assert find_pii(text="A man aged 84, like the Armada of 8 August 1588.", today=TODAY) == []


def test_a_date_in_the_future_is_nobody_s_date_of_birth() -> None:
    assert find_pii(text="The baby is due, DOB expected 03/02/2027.", today=TODAY) == []


# --- Whole reflections -----------------------------------------------------


def test_a_realistic_clean_reflection_yields_nothing() -> None:
    reflection = (
        "On 12 November 2026 I joined the regional forum on collaboration across health and "
        "social care, about 20 participants from acute, community and council teams. We "
        "started at 09:30 and broke for lunch at 12:30. As a Band 7 ward manager on ward 12, "
        "I have logged 35 hours of CPD in 2026 and this session was the most useful: the "
        "1:1 coaching model and the 3-step escalation plan are things I will try. Next "
        "steps: share the notes with my team and revisit them at our meeting in Q1."
    )
    assert find_pii(text=reflection, today=TODAY) == []


def test_mixed_text_reports_each_kind_in_order_of_position() -> None:
    text = (
        "Mr X (NHS 943 476 5919, born 12/03/1956) of LS1 4AP rang from 07700 900123 and "
        "later emailed x.family@example.com."
    )
    assert _found(text) == [
        ("nhs_number", "943 476 5919"),
        ("date_of_birth", "12/03/1956"),
        ("postcode", "LS1 4AP"),
        ("phone", "07700 900123"),
        ("email", "x.family@example.com"),
    ]
    findings = find_pii(text=text, today=TODAY)
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


# --- The message -----------------------------------------------------------


def test_message_names_a_single_kind() -> None:
    message = pii_message(findings=find_pii(text="NHS no 9434765919", today=TODAY))
    assert message.startswith("This looks like an NHS number.")
    assert "your text is kept" in message
    assert len(message) < 150


def test_message_names_every_kind_once_and_stays_short() -> None:
    text = "943 476 5919 born 1/1/50 at 0113 496 0000 j@example.com SW1A 1AA, also 4010232137"
    message = pii_message(findings=find_pii(text=text, today=TODAY))
    assert message.startswith(
        "This looks like an NHS number, a date of birth, a phone number, an email address "
        "and a postcode."
    )
    assert message.count("NHS number") == 1
    assert len(message) < 150


def test_message_for_two_kinds_joins_them_with_and() -> None:
    text = "9434765919 and 07700 900123"
    message = pii_message(findings=find_pii(text=text, today=TODAY))
    assert message.startswith("This looks like an NHS number and a phone number.")


@pytest.mark.parametrize(
    "text",
    ["9434765919", "07700 900123", "SW1A 1AA", "dob 12/03/1956", "jane.doe@nhs.net"],
)
def test_message_never_echoes_the_identifier(text: str) -> None:
    message = pii_message(findings=find_pii(text=text, today=TODAY))
    assert not re.search(r"[0-9]", message)
    assert text.lower() not in message.lower()
    assert "jane" not in message.lower() and "sw1a" not in message.lower()


def test_message_without_findings_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        pii_message(findings=[])


def test_findings_carry_offsets_for_highlighting() -> None:
    assert find_pii(text="Ring 0113 496 0000.", today=TODAY) == [
        PiiFinding(kind="phone", start=5, end=18)
    ]
