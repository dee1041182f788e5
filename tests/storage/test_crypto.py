"""The data key: sealed text opens only with its key, and digests need the key too."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.crypto import BadKey, DataKey, Keyring, Unreadable, is_sealed

KEY = DataKey.generate()


@given(st.text())
def test_any_text_seals_and_opens_unchanged(plain: str) -> None:
    sealed = KEY.seal(plain)
    assert is_sealed(sealed)
    assert KEY.open(sealed) == plain
    if len(plain) >= 4:
        assert plain not in sealed


def test_sealing_twice_gives_different_values() -> None:
    assert KEY.seal("same words") != KEY.seal("same words")


def test_a_tampered_or_foreign_value_does_not_open() -> None:
    sealed = KEY.seal("my reflection")
    prefix, key_id, body = sealed.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body))
    for position in (0, 12, len(raw) - 1):  # the nonce, the text, the tag
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(tampered)).decode("ascii")
        with pytest.raises(Unreadable):
            KEY.open(f"{prefix}:{key_id}:{forged}")
    with pytest.raises(Unreadable):
        DataKey.generate().open(sealed)


def test_a_keyring_opens_values_sealed_under_an_older_key_during_a_rotation() -> None:
    old, new = DataKey.generate(), DataKey.generate()
    sealed_before = old.seal("written last year")
    ring = Keyring()
    ring.use(new, older=(old,))
    assert ring.open(sealed_before) == "written last year"
    assert ring.seal("today").split(":")[1] == new.key_id
    ring.use(new)
    with pytest.raises(Unreadable, match="not loaded"):
        ring.open(sealed_before)


def test_digests_depend_on_the_key_and_the_purpose() -> None:
    other = DataKey.generate()
    assert KEY.digest("U123", purpose="forgotten") == KEY.digest("U123", purpose="forgotten")
    assert KEY.digest("U123", purpose="forgotten") != other.digest("U123", purpose="forgotten")
    assert KEY.digest("U123", purpose="forgotten") != KEY.digest("U123", purpose="ballot")


def test_a_key_round_trips_through_its_text_and_bad_text_says_how_to_fix_it() -> None:
    assert DataKey.from_text(KEY.text()) == KEY
    assert KEY.text() not in repr(KEY)
    for bad in ("", "short", "not base64 at all!", DataKey.generate().text() + "AAAA"):
        with pytest.raises(BadKey, match="ccpl-bot keys new"):
            DataKey.from_text(bad)
